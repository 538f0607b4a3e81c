package org.clusterlabs.rss.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.clusterlabs.rss.recovery.ClusterView;
import org.clusterlabs.rss.recovery.MemberView;
import org.clusterlabs.rss.recovery.MissingMembersPolicy;
import org.clusterlabs.rss.recovery.Observed;
import org.clusterlabs.rss.recovery.Planner;
import org.clusterlabs.rss.recovery.PlannerSpec;
import org.clusterlabs.rss.recovery.PodPhase;
import org.clusterlabs.rss.recovery.PrimaryStartPolicy;
import org.clusterlabs.rss.recovery.RecordedState;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** The planner's cost per decision: a steady cluster, and the election of a lights-out, by cluster size. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PlannerBenchmark {

    @Param({"3", "7", "64"})
    public int replicas;

    private final Planner planner = new Planner();
    private ClusterView steady;
    private ClusterView lightsOut;

    @Setup
    public void setUp() {
        Instant now = Instant.parse("2026-11-25T12:00:00Z");
        steady = view(replicas, now, StatusReport.RUNNING_PRIMARY, 1);
        lightsOut = view(replicas, now, StatusReport.NOT_RUNNING, 0);
    }

    @Benchmark
    public Object steadyCluster() {
        return planner.decide(steady);
    }

    @Benchmark
    public Object lightsOutElection() {
        return planner.decide(lightsOut);
    }

    static ClusterView view(int replicas, Instant now, StatusReport report, long epoch) {
        PlannerSpec spec = new PlannerSpec(replicas, replicas, MissingMembersPolicy.WAIT, PrimaryStartPolicy.SERIAL,
                Duration.ofMinutes(5), 3, 3, Duration.ofSeconds(5), Duration.ofSeconds(10));
        List<MemberView> members = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            members.add(new MemberView("db-" + i, i, true, PodPhase.RUNNING, true, true, true,
                    Optional.of(new Observed<>(report, now)),
                    Optional.of(new Observed<>(new SequenceResult.Known(1000L + (i * 7919L) % 97), now)),
                    Optional.empty(), Optional.empty()));
        }
        RecordedState recorded = new RecordedState(epoch, Optional.empty(),
                epoch == 0 ? OptionalLong.empty() : OptionalLong.of(1000), replicas, Map.of(), Optional.empty(),
                Optional.empty());
        return new ClusterView(spec, replicas, members, recorded, Optional.empty(), now);
    }
}
