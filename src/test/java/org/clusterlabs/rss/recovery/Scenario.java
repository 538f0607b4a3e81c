package org.clusterlabs.rss.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** A small builder for planner inputs: a cluster of members at a fixed instant. */
final class Scenario {

    static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
    static final Instant JUST_NOW = NOW.minusSeconds(1);
    static final Instant RECOVERY_START = NOW.minusSeconds(20);

    int replicas = 3;
    int primaries = 3;
    MissingMembersPolicy policy = MissingMembersPolicy.WAIT;
    PrimaryStartPolicy startPolicy = PrimaryStartPolicy.SERIAL;
    Duration reportTimeout = Duration.ofMinutes(5);
    int failureThreshold = 3;
    int seedRetries = 3;
    Duration backoff = Duration.ofSeconds(10);
    Duration statusPeriod = Duration.ofSeconds(30);
    Integer statefulSetReplicas;
    final List<M> members = new ArrayList<>();
    long epoch;
    Optional<SeedRecord> seed = Optional.empty();
    OptionalLong highWaterMark = OptionalLong.empty();
    int lastRunningMembers;
    final Map<String, Integer> failures = new HashMap<>();
    Optional<String> consumedForce = Optional.empty();
    Optional<Instant> recoveryStartedAt = Optional.empty();
    Optional<String> force = Optional.empty();
    Instant now = NOW;
    Instant orphanHooksEndBy = Instant.MIN;

    /** One member; every field has the value of a healthy pod that has not been asked anything yet. */
    static final class M {
        int ordinal;
        boolean podExists = true;
        PodPhase phase = PodPhase.RUNNING;
        boolean reachable = true;
        boolean upToDate = true;
        Optional<Observed<StatusReport>> status = Optional.empty();
        Optional<Observed<SequenceResult>> sequence = Optional.empty();
        Optional<HookKind> hook = Optional.empty();
        Optional<Instant> lastStartOrStop = Optional.empty();
        Instant hooksMayRunUntil = Instant.MIN;
        /** The pod's role label; null: as its last status says, as the operator left it. */
        Optional<Role> label;
        Optional<Instant> unknownSince = Optional.empty();

        MemberView view() {
            Optional<Role> roleLabel = label != null ? label
                    : podExists ? status.flatMap(o -> Role.of(o.value())) : Optional.empty();
            return new MemberView("db-" + ordinal, ordinal, podExists, phase, podExists && status.map(
                    o -> o.value().isRunning()).orElse(false), reachable, upToDate, status, sequence, hook,
                    lastStartOrStop, hooksMayRunUntil, roleLabel, unknownSince);
        }
    }

    /** Members with these statuses, seen just now (null = none). */
    static Scenario of(StatusReport... statuses) {
        Scenario s = new Scenario();
        for (int i = 0; i < statuses.length; i++) {
            M m = new M();
            m.ordinal = i;
            if (statuses[i] != null) {
                m.status = Optional.of(new Observed<>(statuses[i], JUST_NOW));
            }
            s.members.add(m);
        }
        s.replicas = statuses.length;
        s.primaries = statuses.length;
        return s;
    }

    static Scenario stopped(int count) {
        StatusReport[] all = new StatusReport[count];
        java.util.Arrays.fill(all, StatusReport.NOT_RUNNING);
        return of(all);
    }

    /** Lights-out with a recovery in progress and these sequences (a Long, a String = Unknown reason, or null). */
    static Scenario lightsOut(Object... sequences) {
        Scenario s = stopped(sequences.length);
        s.recoveryStartedAt = Optional.of(RECOVERY_START);
        for (int i = 0; i < sequences.length; i++) {
            s.sequence(i, sequences[i]);
        }
        return s;
    }

    M m(int ordinal) {
        return members.get(ordinal);
    }

    Scenario sequence(int ordinal, Object value) {
        if (value instanceof Number n) {
            m(ordinal).sequence = Optional.of(new Observed<>(new SequenceResult.Known(n.longValue()), JUST_NOW));
        } else if (value instanceof String reason) {
            m(ordinal).sequence = Optional.of(new Observed<>(new SequenceResult.Unknown(reason), JUST_NOW));
        } else {
            m(ordinal).sequence = Optional.empty();
        }
        return this;
    }

    Scenario status(int ordinal, StatusReport report) {
        m(ordinal).status = Optional.of(new Observed<>(report, JUST_NOW));
        return this;
    }

    Scenario with(java.util.function.Consumer<Scenario> change) {
        change.accept(this);
        return this;
    }

    Scenario member(int ordinal, java.util.function.Consumer<M> change) {
        change.accept(m(ordinal));
        return this;
    }

    Scenario addMember(StatusReport status) {
        M m = new M();
        m.ordinal = members.size();
        if (status != null) {
            m.status = Optional.of(new Observed<>(status, JUST_NOW));
        }
        members.add(m);
        return this;
    }

    Scenario pendingSeed(String pod, long epoch, long sequence, int attempts, Instant recordedAt) {
        this.epoch = epoch;
        this.seed = Optional.of(new SeedRecord(pod, epoch, sequence, recordedAt, attempts, false));
        this.recoveryStartedAt = Optional.of(recordedAt.minusSeconds(30));
        return this;
    }

    ClusterView view() {
        PlannerSpec spec = new PlannerSpec(replicas, primaries, policy, startPolicy, reportTimeout, failureThreshold,
                seedRetries, backoff, statusPeriod);
        RecordedState recorded = new RecordedState(epoch, seed, highWaterMark, lastRunningMembers, failures,
                consumedForce, recoveryStartedAt);
        return new ClusterView(spec, statefulSetReplicas == null ? replicas : statefulSetReplicas,
                members.stream().map(M::view).toList(), recorded, force, now, orphanHooksEndBy);
    }

    Decision decide() {
        return new Planner().decide(view());
    }
}
