package org.clusterlabs.rss.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.Consumer;
import org.clusterlabs.rss.RssFixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tier 1: the operator's own validation names the field of every bounded duration, as the CRD's CEL rules do. */
class SpecValidatorTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            spec.hooks.sequence.timeout  | 0s     | must be greater than 0s, got "0s"
            spec.hooks.seed.timeout      | 0ms    | must be greater than 0s, got "0ms"
            spec.hooks.stop.timeout      | 25h    | must be at most 24h, got "25h"
            spec.hooks.status.period     | 0s     | must be at least 1s, got "0s"
            spec.hooks.status.period     | 500ms  | must be at least 1s, got "500ms"
            spec.recovery.reportTimeout  | 0s     | must be greater than 0s, got "0s"
            """)
    void durationsAreBoundedAndTheFieldIsNamed(String field, String value, String message) {
        ReplicatedStatefulSet rss = RssFixtures.valid("ns", "db", 3);
        set(rss.getSpec(), field, value);
        assertEquals(List.of(field + ": " + message), SpecValidator.validate(rss.getSpec()).stream()
                .map(SpecViolation::toString).toList());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '|', textBlock = """
            spec.hooks.sequence.timeout  | 1ms
            spec.hooks.stop.timeout      | 24h
            spec.hooks.status.period     | 1s
            spec.recovery.reportTimeout  | 5m
            """)
    void boundsAreInclusive(String field, String value) {
        ReplicatedStatefulSet rss = RssFixtures.valid("ns", "db", 3);
        set(rss.getSpec(), field, value);
        assertEquals(List.of(), SpecValidator.validate(rss.getSpec()));
    }

    @org.junit.jupiter.api.Test
    void aResourcesOwnHookLimitIsAtLeastOne() {
        ReplicatedStatefulSet rss = RssFixtures.valid("ns", "db", 3);
        rss.getSpec().getHooks().setMaxConcurrent(0);
        assertEquals(List.of("spec.hooks.maxConcurrent: must be at least 1, got 0"), SpecValidator.validate(
                rss.getSpec()).stream().map(SpecViolation::toString).toList());
        rss.getSpec().getHooks().setMaxConcurrent(1);
        assertEquals(List.of(), SpecValidator.validate(rss.getSpec()));
    }

    private static void set(ReplicatedStatefulSetSpec spec, String field, String value) {
        HooksSpec hooks = spec.getHooks();
        Consumer<HookSpec> timeout = h -> h.setTimeout(value);
        switch (field) {
            case "spec.hooks.sequence.timeout" -> timeout.accept(hooks.getSequence());
            case "spec.hooks.seed.timeout" -> {
                hooks.setSeed(new HookSpec(List.of("/hooks/seed"), "30s"));
                timeout.accept(hooks.getSeed());
            }
            case "spec.hooks.stop.timeout" -> {
                hooks.setStop(new HookSpec(List.of("/hooks/stop"), "30s"));
                timeout.accept(hooks.getStop());
            }
            case "spec.hooks.status.period" -> hooks.getStatus().setPeriod(value);
            case "spec.recovery.reportTimeout" -> {
                spec.setRecovery(new RecoverySpec());
                spec.getRecovery().setReportTimeout(value);
            }
            default -> throw new IllegalArgumentException(field);
        }
    }
}
