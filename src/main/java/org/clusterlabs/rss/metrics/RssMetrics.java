package org.clusterlabs.rss.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/**
 * The operator's Micrometer meters, in one place. Prometheus names (on {@code /q/metrics}):
 * <ul>
 * <li>{@code rss_hook_duration_seconds} (timer; tags {@code hook}, {@code outcome})</li>
 * <li>{@code rss_hook_executions_total} (counter; tags {@code hook}, {@code outcome})</li>
 * </ul>
 */
@ApplicationScoped
public class RssMetrics {

    public static final String HOOK_DURATION = "rss.hook.duration";
    public static final String HOOK_EXECUTIONS = "rss.hook.executions";

    private final MeterRegistry registry;

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

    public MeterRegistry registry() {
        return registry;
    }
}
