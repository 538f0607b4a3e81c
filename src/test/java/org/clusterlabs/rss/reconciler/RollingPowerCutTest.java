package org.clusterlabs.rss.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.PodProcesses;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tier 2 (issue 10, invariant 9): a power failure that is NOT atomic. The pods of a 15-copy resource lose power one by
 * one, 400 ms apart, in a shuffled order, while the operator checks status every second: for 5.6 s or more it sees some
 * copies running and others gone (and recreated, running nothing). The copy cut last is the newest (the highest
 * sequence), as when the last survivor kept writing.
 * <p>
 * The hooks are the light bench hooks (src/test/bench-hooks: the demo contract; a join catches up from its live peers
 * and fails when none is live). A join asked for during the cut waits for the cut's end before it looks for a
 * live peer, so it cannot succeed: every copy ends stopped, and only a lights-out recovery can bring the resource back. Asserted from the
 * kit's exec records and pod incarnations:
 * <ul>
 * <li>exactly one seed after the cut began, and it is the newest copy (the highest sequence);</li>
 * <li>no primary or secondary hook is ever passed a peer whose pod was gone (or replaced: a new UID that no start
 * hook had started) when the operator asked for the exec; a 250 ms grace covers a pod cut between the operator's
 * decision and its exec request;</li>
 * <li>no copy is trusted as running from a replaced pod: when the resource is Running again, every pod's current
 * incarnation was started by a hook in that incarnation, and its process runs.</li>
 * </ul>
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
class RollingPowerCutTest {

    static final String NS = "rolling";
    static final String NAME = "db";
    static final int N = 15;
    static final Duration GAP = Duration.ofMillis(400);
    static final Duration GRACE = Duration.ofMillis(250);
    static final Duration PATIENCE = Duration.ofSeconds(240);
    static final Set<String> STARTS = Set.of("/hooks/seed", "/hooks/primary", "/hooks/secondary");

    @Test
    @Timeout(600)
    void podsVanishingOneByOneStillGiveALightsOutRecoveryFromTheNewestCopyWithLivePeersOnly() throws Exception {
        SimulatedCluster sim = SimulatedClusterResource.cluster();
        sim.mount("/hooks", Path.of("src/test/bench-hooks").toAbsolutePath().normalize());
        KubernetesClient c = sim.client();
        c.resource(resource()).create();
        ReplicatedStatefulSetStatus formed = awaitRunning(c, 1);

        // The cut order (shuffled, fixed seed); the copy cut last holds the highest sequence.
        List<String> order = IntStream.range(0, N).mapToObj(i -> NAME + "-" + i).collect(Collectors.toList());
        Collections.shuffle(order, new Random(10));
        for (int i = 0; i < N; i++) {
            Files.writeString(sim.dataDir(NS, order.get(i)).resolve("seq"), (1000 + i) + "\n");
        }
        String newest = order.get(N - 1);
        long highest = 1000 + N - 1;
        Thread.sleep(2500); // a status round or two sees every copy running

        // A join asked for during the cut waits for its end before it catches up (DEMO_JOIN_WAIT_FOR; the kit reads a
        // pod's extra env when the exec opens): then no peer is live and it fails, as a real join whose peers all
        // died would. Joins asked for after the cut do not wait.
        Path cutDone = sim.netDir().resolve("_rolling_cut_done");
        for (String pod : order) {
            sim.setPodEnv(NS, pod, "DEMO_JOIN_WAIT_FOR", cutDone.toString());
        }
        Instant cutStart = Instant.now();
        Map<String, String> cutUids = sim.cutPowerOneByOne(NS, order, GAP);
        for (String pod : order) {
            sim.clearPodEnv(NS, pod, "DEMO_JOIN_WAIT_FOR");
        }
        Files.writeString(cutDone, "done\n");
        assertThat(cutUids).as("every pod was cut").hasSize(N);
        ReplicatedStatefulSetStatus recovered = awaitRunning(c, formed.getEpoch() + 1);

        List<ExecRecord> execs = sim.execLog().stream().filter(e -> e.namespace().equals(NS)).toList();
        List<SimulatedCluster.PodLife> lives = sim.podLives().stream().filter(l -> l.namespace().equals(NS)).toList();
        String timeline = timeline(execs, cutStart);

        System.out.println("RollingPowerCutTest: cut order " + order + "\n" + timeline);

        // 0. the scenario: while the cut went on, the operator saw copies still running (status 8 from a pod not yet
        // cut, asked after the first pod was gone)
        Instant firstGone = lives.stream().filter(l -> l.uid().equals(cutUids.get(order.get(0))))
                .map(SimulatedCluster.PodLife::gone).findFirst().orElseThrow();
        Instant lastGone = lives.stream().filter(l -> l.uid().equals(cutUids.get(newest)))
                .map(SimulatedCluster.PodLife::gone).findFirst().orElseThrow();
        long sawRunningDuringCut = execs.stream().filter(e -> e.argv().get(0).equals("/hooks/status"))
                .filter(e -> e.requested().isAfter(firstGone) && e.requested().isBefore(lastGone))
                .filter(e -> Integer.valueOf(8).equals(e.exitCode())).count();
        long sawStoppedDuringCut = execs.stream().filter(e -> e.argv().get(0).equals("/hooks/status"))
                .filter(e -> e.requested().isAfter(firstGone) && e.requested().isBefore(lastGone))
                .filter(e -> Integer.valueOf(7).equals(e.exitCode())).count();
        System.out.printf("RollingPowerCutTest: during the cut (%.2f s), status answers: running %d, not running %d%n",
                Duration.between(firstGone, lastGone).toMillis() / 1000.0, sawRunningDuringCut, sawStoppedDuringCut);
        assertThat(sawRunningDuringCut).as("the operator saw copies still running during the cut\n" + timeline)
                .isPositive();

        // 1. exactly one seed since the cut began, on the newest copy
        List<ExecRecord> seeds = execs.stream().filter(e -> e.argv().get(0).equals("/hooks/seed"))
                .filter(e -> !e.requested().isBefore(cutStart)).toList();
        assertThat(seeds).as("seeds since the cut began\n" + timeline).hasSize(1);
        assertThat(seeds.get(0).pod()).as("the seed is the newest copy (cut last)\n" + timeline).isEqualTo(newest);
        assertThat(recovered.getSeed().getPod()).isEqualTo(newest);
        assertThat(recovered.getSeed().getSequence()).isEqualTo(highest);

        // 2. every peer passed to a start hook was a live copy when the operator asked
        List<String> badPeers = new ArrayList<>();
        for (ExecRecord e : execs) {
            String hook = e.argv().get(0);
            if (!hook.equals("/hooks/primary") && !hook.equals("/hooks/secondary")) {
                continue;
            }
            for (String fqdn : e.argv().subList(1, e.argv().size())) {
                String peer = fqdn.substring(0, fqdn.indexOf('.'));
                Optional<String> problem = peerProblem(peer, e.requested(), lives, execs);
                problem.ifPresent(p -> badPeers.add(String.format("+%.3fs %s on %s (uid %s) was given peer %s: %s",
                        secondsSince(cutStart, e.requested()), hook, e.pod(), shortUid(e.podUid()), peer, p)));
            }
        }
        assertThat(badPeers).as("start hooks given peers that were not live copies\n" + timeline).isEmpty();

        // 3. Running again: every copy's current incarnation was started in that incarnation, and runs
        List<String> untrusted = new ArrayList<>();
        for (Pod p : sim.podsOf(NS, NAME)) {
            String uid = p.getMetadata().getUid();
            boolean started = execs.stream().anyMatch(e -> uid.equals(e.podUid()) && STARTS.contains(e.argv().get(0))
                    && Integer.valueOf(0).equals(e.exitCode()));
            boolean runs = !PodProcesses.find(uid).isEmpty();
            if (!started || !runs) {
                untrusted.add(p.getMetadata().getName() + " (uid " + shortUid(uid) + "): started in this pod="
                        + started + ", its process runs=" + runs);
            }
        }
        assertThat(untrusted).as("copies counted as running that no hook started in their current pod, or that do"
                + " not run; status members " + recovered.getMembers() + "\n" + timeline).isEmpty();
    }

    /**
     * Why {@code peer} was not a live copy at {@code t} (the exec request), or empty: its incarnation at t (or one
     * gone at most {@link #GRACE} before t) must have been started by a seed/primary/secondary hook that succeeded
     * in it before t.
     */
    static Optional<String> peerProblem(String peer, Instant t, List<SimulatedCluster.PodLife> lives,
            List<ExecRecord> execs) {
        Instant early = t.minus(GRACE);
        List<SimulatedCluster.PodLife> candidates = lives.stream().filter(l -> l.name().equals(peer))
                .filter(l -> l.existedAt(t) || l.existedAt(early) || (l.gone() != null && l.gone().isAfter(early)
                        && !l.created().isAfter(t)))
                .toList();
        if (candidates.isEmpty()) {
            return Optional.of("its pod did not exist (gone more than " + GRACE.toMillis() + " ms before)");
        }
        for (SimulatedCluster.PodLife l : candidates) {
            boolean started = execs.stream().anyMatch(e -> l.uid().equals(e.podUid())
                    && STARTS.contains(e.argv().get(0)) && Integer.valueOf(0).equals(e.exitCode())
                    && e.ended() != null && e.ended().isBefore(t));
            if (started) {
                return Optional.empty();
            }
        }
        String previous = lives.stream().filter(l -> l.name().equals(peer) && l.gone() != null
                        && !l.gone().isAfter(t)).max(java.util.Comparator.comparing(SimulatedCluster.PodLife::gone))
                .map(l -> "; its previous pod (uid " + shortUid(l.uid()) + ") had been gone for "
                        + Duration.between(l.gone(), t).toMillis() + " ms")
                .orElse("");
        return Optional.of("its pod (uid " + candidates.stream().map(l -> shortUid(l.uid())).toList()
                + ") had not been started by any hook: a replaced pod, running nothing" + previous);
    }

    static ReplicatedStatefulSet resource() {
        ReplicatedStatefulSet rss = RssFixtures.valid(NS, NAME, N);
        rss.getSpec().getHooks().getStatus().setPeriod("1s");
        rss.getSpec().getHooks().getStatus().setTimeout("10s");
        for (var hook : List.of(rss.getSpec().getHooks().getSequence(), rss.getSpec().getHooks().getSeed(),
                rss.getSpec().getHooks().getPrimary(), rss.getSpec().getHooks().getSecondary(),
                rss.getSpec().getHooks().getStop())) {
            hook.setTimeout("60s");
        }
        RecoverySpec recovery = new RecoverySpec();
        recovery.setPrimaryStart(RecoverySpec.PrimaryStartPolicy.Parallel);
        rss.getSpec().setRecovery(recovery);
        return rss;
    }

    static ReplicatedStatefulSetStatus awaitRunning(KubernetesClient c, long minEpoch) {
        return SimulatedCluster.await("Running with " + N + " primaries in epoch >= " + minEpoch, PATIENCE, () -> {
            ReplicatedStatefulSet r = c.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).get();
            ReplicatedStatefulSetStatus s = r == null ? null : r.getStatus();
            return s != null && s.getPhase() == Phase.Running && Integer.valueOf(N).equals(s.getPrimaries())
                    && s.getEpoch() != null && s.getEpoch() >= minEpoch ? s : null;
        });
    }

    static String timeline(List<ExecRecord> execs, Instant cutStart) {
        StringBuilder b = new StringBuilder("exec timeline (seconds from the cut's start):\n");
        for (ExecRecord e : execs) {
            if (e.requested().isBefore(cutStart.minusSeconds(1))) {
                continue;
            }
            b.append(String.format("  %+8.3f %s (uid %s) %s exit=%s%n", secondsSince(cutStart, e.requested()), e.pod(),
                    shortUid(e.podUid()), e.argv(), e.exitCode()));
        }
        return b.toString();
    }

    static double secondsSince(Instant from, Instant t) {
        return Duration.between(from, t).toMillis() / 1000.0;
    }

    static String shortUid(String uid) {
        return uid == null ? "?" : uid.substring(Math.max(0, uid.length() - 8));
    }
}
