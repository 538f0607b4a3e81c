package org.clusterlabs.rss.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;

/**
 * The operator's Micrometer meters, in one place. Prometheus names (on {@code /q/metrics}):
 * <ul>
 * <li>{@code rss_hook_duration_seconds} (timer; tags {@code hook}, {@code outcome})</li>
 * <li>{@code rss_hook_executions_total} (counter; tags {@code hook}, {@code outcome})</li>
 * <li>{@code rss_recoveries_total} (counter; tag {@code outcome}: succeeded or refused)</li>
 * <li>{@code rss_recovery_duration_seconds} (histogram, from the start of a lights-out recovery to Running)</li>
 * <li>{@code rss_members} (gauge per resource; tag {@code role})</li>
 * <li>{@code rss_seed_sequence} (gauge per resource: the sequence of the current seed)</li>
 * <li>{@code rss_recovering} (gauge per resource: 1 while a recovery runs)</li>
 * </ul>
 * The JOSDK reconcile metrics ({@code operator_sdk_*}) come from the Quarkus Operator SDK's Micrometer support.
 */
@ApplicationScoped
public class RssMetrics {

    public static final String HOOK_DURATION = "rss.hook.duration";
    public static final String HOOK_EXECUTIONS = "rss.hook.executions";
    public static final String RECOVERIES = "rss.recoveries";
    public static final String RECOVERY_DURATION = "rss.recovery.duration";
    public static final String MEMBERS = "rss.members";
    public static final String SEED_SEQUENCE = "rss.seed.sequence";
    public static final String RECOVERING = "rss.recovering";

    private final MeterRegistry registry;
    private final Map<String, ResourceGauges> gauges = new ConcurrentHashMap<>();

    @Inject
    public RssMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** One finished hook run. {@code hook} and {@code outcome} must come from small fixed sets (no exit codes, pods). */
    public void hookFinished(String hook, String outcome, Duration duration) {
        Timer.builder(HOOK_DURATION)
                .description("Duration of hook executions in pods (exec API), from start to result")
                .tag("hook", hook).tag("outcome", outcome)
                .register(registry)
                .record(duration);
        Counter.builder(HOOK_EXECUTIONS)
                .description("Hook executions in pods, by hook and outcome")
                .tag("hook", hook).tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /** Updates the per-resource gauges, and counts a recovery that ended in this pass. */
    public void observe(ReplicatedStatefulSet rss, ReplicatedStatefulSetStatus before, ReplicatedStatefulSetStatus after,
            Instant now) {
        ResourceGauges g = gauges.computeIfAbsent(key(rss), k -> new ResourceGauges(registry, rss));
        Map<String, Long> roles = after.getMembers().stream()
                .collect(Collectors.groupingBy(m -> m.getRole() == null ? "Unknown" : m.getRole(),
                        Collectors.counting()));
        g.roles.forEach((role, value) -> value.set(roles.getOrDefault(role, 0L)));
        g.seedSequence.set(after.getSeed() == null || after.getSeed().getSequence() == null ? 0
                : after.getSeed().getSequence());
        g.recovering.set(after.getRecoveryStartedAt() == null ? 0 : 1);

        if (before.getRecoveryStartedAt() != null && after.getRecoveryStartedAt() == null) {
            recoveries("succeeded").increment();
            recoveryDuration().record(Duration.between(Instant.parse(before.getRecoveryStartedAt()), now));
        } else if (after.getPhase() == Phase.Failed && before.getPhase() != Phase.Failed
                && after.getRecoveryStartedAt() != null) {
            recoveries("refused").increment();
        }
    }

    public void forget(ReplicatedStatefulSet rss) {
        ResourceGauges g = gauges.remove(key(rss));
        if (g != null) {
            g.meters.forEach(registry::remove);
        }
    }

    private Counter recoveries(String outcome) {
        return Counter.builder(RECOVERIES).description("Lights-out recoveries, by outcome")
                .tag("outcome", outcome).register(registry);
    }

    private Timer recoveryDuration() {
        return Timer.builder(RECOVERY_DURATION)
                .description("From the start of a lights-out recovery until every copy runs in its role")
                .publishPercentileHistogram()
                .register(registry);
    }

    private static String key(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getNamespace() + "/" + rss.getMetadata().getName();
    }

    /** The gauges of one resource; Micrometer holds weak references, so they live here. */
    private static final class ResourceGauges {
        final Map<String, AtomicLong> roles = new LinkedHashMap<>();
        final AtomicLong seedSequence = new AtomicLong();
        final AtomicLong recovering = new AtomicLong();
        final List<Meter> meters = new ArrayList<>();

        ResourceGauges(MeterRegistry registry, ReplicatedStatefulSet rss) {
            Tags tags = Tags.of("namespace", rss.getMetadata().getNamespace(), "name", rss.getMetadata().getName());
            for (String role : List.of("Primary", "Secondary", "Stopped", "Failed", "Unknown", "Absent")) {
                AtomicLong value = new AtomicLong();
                roles.put(role, value);
                meters.add(Gauge.builder(MEMBERS, value, AtomicLong::get).description("Copies by role")
                        .tags(tags).tag("role", role).register(registry));
            }
            meters.add(Gauge.builder(SEED_SEQUENCE, seedSequence, AtomicLong::get)
                    .description("Sequence of the current epoch's seed").tags(tags).register(registry));
            meters.add(Gauge.builder(RECOVERING, recovering, AtomicLong::get)
                    .description("1 while a lights-out recovery runs").tags(tags).register(registry));
        }
    }

    public MeterRegistry registry() {
        return registry;
    }
}
