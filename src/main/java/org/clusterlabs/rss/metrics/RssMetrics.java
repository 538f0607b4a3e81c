package org.clusterlabs.rss.metrics;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;

/**
 * The operator's Micrometer meters, in one place. Every per-resource series carries {@code namespace} and
 * {@code name}; the other labels come from small fixed sets (hook, outcome, role, phase) or from the resource's
 * members ({@code member}, one per copy). The series of a deleted resource are removed ({@link #forget}).
 * docs/operations.md lists every series with its Prometheus name; the names are also constants here.
 */
@ApplicationScoped
public class RssMetrics {

    // Micrometer names; the Prometheus registry turns dots into underscores and adds _seconds / _total.
    public static final String HOOK_DURATION = "rss.hook.duration"; // rss_hook_duration_seconds
    public static final String HOOK_EXECUTIONS = "rss.hook.executions"; // rss_hook_executions_total
    public static final String RECOVERIES = "rss.recoveries"; // rss_recoveries_total
    public static final String RECOVERY_DURATION = "rss.recovery.duration"; // rss_recovery_duration_seconds
    public static final String MEMBERS = "rss.members";
    public static final String PHASE = "rss.phase";
    public static final String READY_MEMBERS = "rss.ready.members";
    public static final String DESIRED_MEMBERS = "rss.desired.members";
    public static final String WAITING_MEMBERS = "rss.waiting.members";
    public static final String MEMBER_CONSECUTIVE_FAILURES = "rss.member.consecutive.failures";
    public static final String MEMBER_FAILURES = "rss.member.failures"; // rss_member_failures_total
    public static final String SEED_SEQUENCE = "rss.seed.sequence";
    public static final String EPOCH = "rss.epoch";
    public static final String HIGH_WATER_MARK = "rss.high.water.mark";
    public static final String RECOVERING = "rss.recovering";
    public static final String RECOVERY_STARTED = "rss.recovery.started.timestamp.seconds";
    public static final String LEADER = "rss.leader";
    public static final String INFO = "rss.operator.info";

    /** Hook duration buckets: hooks of 50 ms to 10 minutes (the longest hook timeout a user should set). */
    static final Duration[] HOOK_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600);
    /** Recovery duration buckets: 5 s to 2 h. */
    static final Duration[] RECOVERY_BUCKETS = seconds(5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200);

    static final List<String> ROLES = List.of("Primary", "Secondary", "Stopped", "Failed", "Unknown", "Absent");

    private final MeterRegistry registry;
    private final Map<String, ResourceMeters> resources = new ConcurrentHashMap<>();
    /** The hook series of each resource (owner key), removed with it. */
    private final Map<String, Set<Meter>> hookMeters = new ConcurrentHashMap<>();
    private final AtomicLong leader = new AtomicLong();
    /** Deleted resources (key to when): a hook of theirs that ends after the delete must not bring series back. */
    private final Map<String, Instant> forgotten = new ConcurrentHashMap<>();
    /** Deleted resources by UID: a pass that was running when the deletion arrived must not bring their series back. */
    private final Map<String, Instant> deletedUids = new ConcurrentHashMap<>();
    private static final Duration FORGET_FOR = Duration.ofMinutes(15);

    @Inject
    public RssMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder(LEADER, leader, AtomicLong::get)
                .description("1 while this operator process holds the leader Lease (or runs without leader "
                        + "election), 0 while it stands by")
                .register(registry);
    }

    /**
     * One finished hook run, without its owner (kept for callers outside a resource: the series get empty
     * namespace and name labels). Prefer {@link #hookFinished(String, String, String, Duration)}.
     */
    public void hookFinished(String hook, String outcome, Duration duration) {
        hookFinished(null, hook, outcome, duration);
    }

    /**
     * One finished hook run. {@code ownerKey} is the owning resource's {@code namespace/name}; {@code hook} and
     * {@code outcome} must come from small fixed sets (no exit codes, no pods).
     */
    public synchronized void hookFinished(String ownerKey, String hook, String outcome, Duration duration) {
        if (ownerKey != null && forgotten.containsKey(ownerKey)) {
            return;
        }
        String[] owner = splitOwner(ownerKey);
        Tags tags = Tags.of("namespace", owner[0], "name", owner[1], "hook", hook, "outcome", outcome);
        Timer timer = Timer.builder(HOOK_DURATION)
                .description("Duration of hook executions in pods (exec API), from start to result")
                .tags(tags)
                .serviceLevelObjectives(HOOK_BUCKETS)
                .register(registry);
        Counter counter = Counter.builder(HOOK_EXECUTIONS)
                .description("Hook executions in pods, by hook and outcome")
                .tags(tags)
                .register(registry);
        timer.record(duration);
        counter.increment();
        if (ownerKey != null) {
            hookMeters.computeIfAbsent(ownerKey, k -> ConcurrentHashMap.newKeySet()).addAll(List.of(timer, counter));
        }
    }

    /** Updates the per-resource gauges, and counts a recovery that ended in this pass. */
    public void observe(ReplicatedStatefulSet rss, ReplicatedStatefulSetStatus before,
            ReplicatedStatefulSetStatus after, Instant now) {
        if (rss.getMetadata().getUid() != null && deletedUids.containsKey(rss.getMetadata().getUid())) {
            return;
        }
        forgotten.remove(rss.getMetadata().getNamespace() + "/" + rss.getMetadata().getName());
        ResourceMeters g = meters(rss.getMetadata().getNamespace(), rss.getMetadata().getName());
        g.update(rss, after);

        if (before.getRecoveryStartedAt() != null && after.getRecoveryStartedAt() == null) {
            g.extra(recoveries(g.tags, "succeeded")).increment();
            Instant started = parse(before.getRecoveryStartedAt());
            if (started != null) {
                g.extra(recoveryDuration(g.tags)).record(Duration.between(started, now));
            }
        } else if (after.getPhase() == Phase.Failed && before.getPhase() != Phase.Failed
                && after.getRecoveryStartedAt() != null) {
            g.extra(recoveries(g.tags, "refused")).increment();
        }
    }

    /** Removes every series of a deleted resource. */
    public void forget(ReplicatedStatefulSet rss) {
        if (rss.getMetadata().getUid() != null) {
            deletedUids.values().removeIf(at -> at.isBefore(Instant.now().minus(FORGET_FOR)));
            deletedUids.put(rss.getMetadata().getUid(), Instant.now());
        }
        forget(rss.getMetadata().getNamespace(), rss.getMetadata().getName());
    }

    public synchronized void forget(String namespace, String name) {
        Instant now = Instant.now();
        forgotten.values().removeIf(at -> at.isBefore(now.minus(FORGET_FOR)));
        forgotten.put(namespace + "/" + name, now);
        ResourceMeters g = resources.remove(namespace + "/" + name);
        if (g != null) {
            g.removeAll();
        }
        Set<Meter> hooks = hookMeters.remove(namespace + "/" + name);
        if (hooks != null) {
            hooks.forEach(registry::remove);
        }
    }

    /** Leader-election callbacks that keep {@code rss_leader} true; JOSDK calls them besides its own. */
    public LeaderCallbacks leaderCallbacks() {
        return new LeaderCallbacks(() -> leader.set(1), () -> leader.set(0), newLeader -> { });
    }

    /** Sets {@code rss_leader}: 1 when this process reconciles (it leads, or runs without leader election). */
    public void leading(boolean leading) {
        leader.set(leading ? 1 : 0);
    }

    public MeterRegistry registry() {
        return registry;
    }

    private ResourceMeters meters(String namespace, String name) {
        return resources.computeIfAbsent(namespace + "/" + name, k -> new ResourceMeters(namespace, name));
    }

    private Counter recoveries(Tags tags, String outcome) {
        return Counter.builder(RECOVERIES).description("Lights-out recoveries, by outcome (succeeded or refused)")
                .tags(tags).tag("outcome", outcome).register(registry);
    }

    private Timer recoveryDuration(Tags tags) {
        return Timer.builder(RECOVERY_DURATION)
                .description("From the start of a lights-out recovery until every copy runs in its role")
                .tags(tags)
                .serviceLevelObjectives(RECOVERY_BUCKETS)
                .register(registry);
    }

    private static String[] splitOwner(String ownerKey) {
        if (ownerKey == null) {
            return new String[] {"", ""};
        }
        int slash = ownerKey.indexOf('/');
        return slash < 0 ? new String[] {"", ownerKey}
                : new String[] {ownerKey.substring(0, slash), ownerKey.substring(slash + 1)};
    }

    private static Instant parse(String time) {
        try {
            return time == null ? null : Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Duration[] seconds(double... s) {
        Duration[] d = new Duration[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = Duration.ofMillis(Math.round(s[i] * 1000));
        }
        return d;
    }

    /**
     * The series of one resource. Micrometer holds gauges' state objects weakly, so they live here; gauges that
     * exist only at times (the seed's sequence, a member's failures) are registered and removed as the status
     * changes.
     */
    private final class ResourceMeters {
        final Tags tags;
        final Map<String, AtomicLong> roles = new LinkedHashMap<>();
        final Map<Phase, AtomicLong> phases = new LinkedHashMap<>();
        final AtomicLong ready = new AtomicLong();
        final AtomicLong desired = new AtomicLong();
        final AtomicLong waiting = new AtomicLong();
        final AtomicLong recovering = new AtomicLong();
        final Optional seedSequence = new Optional(SEED_SEQUENCE, "Sequence of the current epoch's seed; "
                + "absent while there is no seed");
        final Optional epoch = new Optional(EPOCH, "The recovery epoch (grows by one with every seed); absent "
                + "before the first seed");
        final Optional highWaterMark = new Optional(HIGH_WATER_MARK, "The highest sequence ever elected; absent "
                + "before the first seed");
        final Optional recoveryStarted = new Optional(RECOVERY_STARTED, "When the current lights-out recovery "
                + "began (Unix time); absent when none runs");
        final Map<String, MemberMeters> members = new HashMap<>();
        final Set<Meter> meters = ConcurrentHashMap.newKeySet();

        ResourceMeters(String namespace, String name) {
            this.tags = Tags.of("namespace", namespace, "name", name);
            for (String role : ROLES) {
                AtomicLong value = new AtomicLong();
                roles.put(role, value);
                meters.add(Gauge.builder(MEMBERS, value, AtomicLong::get).description("Copies by role")
                        .tags(tags).tag("role", role).register(registry));
            }
            for (Phase phase : Phase.values()) {
                AtomicLong value = new AtomicLong();
                phases.put(phase, value);
                meters.add(Gauge.builder(PHASE, value, AtomicLong::get)
                        .description("The resource's phase as a state set: 1 for the current phase, 0 for the others")
                        .tags(tags).tag("phase", phase.name()).register(registry));
            }
            meters.add(Gauge.builder(READY_MEMBERS, ready, AtomicLong::get)
                    .description("Copies running in their wanted role (status.readyReplicas)").tags(tags)
                    .register(registry));
            meters.add(Gauge.builder(DESIRED_MEMBERS, desired, AtomicLong::get)
                    .description("Copies the user asked for (spec.replicas)").tags(tags).register(registry));
            meters.add(Gauge.builder(WAITING_MEMBERS, waiting, AtomicLong::get)
                    .description("During a lights-out recovery: copies whose sequence is not known yet (the "
                            + "recovery waits for them); 0 otherwise")
                    .tags(tags).register(registry));
            meters.add(Gauge.builder(RECOVERING, recovering, AtomicLong::get)
                    .description("1 while a lights-out recovery runs").tags(tags).register(registry));
        }

        synchronized void update(ReplicatedStatefulSet rss, ReplicatedStatefulSetStatus s) {
            Map<String, Long> byRole = s.getMembers().stream()
                    .collect(Collectors.groupingBy(m -> m.getRole() == null ? "Unknown" : m.getRole(),
                            Collectors.counting()));
            roles.forEach((role, value) -> value.set(byRole.getOrDefault(role, 0L)));
            phases.forEach((phase, value) -> value.set(phase == s.getPhase() ? 1 : 0));
            ready.set(s.getReadyReplicas() == null ? 0 : s.getReadyReplicas());
            desired.set(rss.getSpec() == null ? 0 : rss.getSpec().replicasOrZero());
            boolean inRecovery = s.getRecoveryStartedAt() != null;
            recovering.set(inRecovery ? 1 : 0);
            waiting.set(inRecovery && s.getPhase() == Phase.Recovering
                    ? s.getMembers().stream().filter(m -> m.getSequence() == null).count() : 0);
            seedSequence.set(s.getSeed() == null ? null : s.getSeed().getSequence());
            epoch.set(s.getEpoch());
            highWaterMark.set(s.getHighWaterMark());
            Instant started = parse(s.getRecoveryStartedAt());
            recoveryStarted.set(started == null ? null : started.getEpochSecond());

            Set<String> present = new HashSet<>();
            for (MemberStatus m : s.getMembers()) {
                if (m.getPod() != null) {
                    present.add(m.getPod());
                    member(m.getPod()).update(m.getFailures() == null ? 0 : m.getFailures());
                }
            }
            for (String gone : new ArrayList<>(members.keySet())) {
                if (!present.contains(gone)) {
                    members.remove(gone).remove();
                }
            }
        }

        private MemberMeters member(String pod) {
            return members.computeIfAbsent(pod, MemberMeters::new);
        }

        <M extends Meter> M extra(M meter) {
            meters.add(meter);
            return meter;
        }

        synchronized void removeAll() {
            seedSequence.set(null);
            epoch.set(null);
            highWaterMark.set(null);
            recoveryStarted.set(null);
            members.values().forEach(MemberMeters::remove);
            members.clear();
            meters.forEach(registry::remove);
            meters.clear();
        }

        /**
         * One copy's failures: the consecutive count recorded in status (a gauge), and a counter that grows with
         * every new failure this process records (the status count rising). The first sight of a copy (e.g. after
         * an operator restart) sets the baseline without counting.
         */
        final class MemberMeters {
            final AtomicLong consecutive = new AtomicLong();
            final Meter gauge;
            final Counter failures;
            long last = -1;

            MemberMeters(String pod) {
                gauge = Gauge.builder(MEMBER_CONSECUTIVE_FAILURES, consecutive, AtomicLong::get)
                        .description("Consecutive failures of a copy, as recorded in status.members[].failures")
                        .tags(tags).tag("member", pod).register(registry);
                failures = Counter.builder(MEMBER_FAILURES)
                        .description("Failures of a copy recorded by this operator process")
                        .tags(tags).tag("member", pod).register(registry);
            }

            void update(long count) {
                consecutive.set(count);
                if (last >= 0 && count > last) {
                    failures.increment(count - last);
                }
                last = count;
            }

            void remove() {
                registry.remove(gauge);
                registry.remove(failures);
            }
        }

        /** A gauge that exists only while its value does. */
        final class Optional {
            final String name;
            final String description;
            final AtomicLong value = new AtomicLong();
            Meter meter;

            Optional(String name, String description) {
                this.name = name;
                this.description = description;
            }

            void set(Long v) {
                if (v == null) {
                    if (meter != null) {
                        registry.remove(meter);
                        meter = null;
                    }
                    return;
                }
                value.set(v);
                if (meter == null) {
                    meter = Gauge.builder(name, value, AtomicLong::get).description(description).tags(tags)
                            .register(registry);
                }
            }
        }
    }
}
