package org.clusterlabs.rss.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Container;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The operator's own copy of the CRD's rules (the API server may not evaluate CEL: admission can be off), plus the
 * cross-checks a CEL rule cannot afford, such as hooks.container naming a container of the embedded template.
 */
public final class SpecValidator {

    static final Duration MIN_PERIOD = Duration.ofSeconds(1);
    static final Duration MAX_DURATION = Duration.ofHours(24);

    private static final Map<String, Function<HooksSpec, HookSpec>> REQUIRED_HOOKS = Map.of(
            "sequence", HooksSpec::getSequence,
            "primary", HooksSpec::getPrimary,
            "status", HooksSpec::getStatus);
    private static final Map<String, Function<HooksSpec, HookSpec>> OPTIONAL_HOOKS = Map.of(
            "seed", HooksSpec::getSeed,
            "secondary", HooksSpec::getSecondary,
            "stop", HooksSpec::getStop);

    private SpecValidator() {
    }

    public static List<SpecViolation> validate(ReplicatedStatefulSetSpec spec) {
        List<SpecViolation> violations = new ArrayList<>();
        if (spec == null) {
            violations.add(new SpecViolation("spec", "is required"));
            return violations;
        }
        checkCounts(spec, violations);
        checkTemplate(spec, violations);
        checkHooks(spec, violations);
        if (spec.getServicePorts() == null || spec.getServicePorts().isEmpty()) {
            // the API server refuses a client Service without ports, so every pass would fail on it
            violations.add(new SpecViolation("spec.servicePorts", "must have at least one port"));
        }
        checkRecovery(spec.getRecovery(), violations);
        return violations;
    }

    private static void checkCounts(ReplicatedStatefulSetSpec spec, List<SpecViolation> out) {
        Integer replicas = spec.getReplicas();
        if (replicas == null) {
            out.add(new SpecViolation("spec.replicas", "is required"));
        } else if (replicas < 0 || replicas > ReplicatedStatefulSetSpec.MAX_REPLICAS) {
            out.add(new SpecViolation("spec.replicas",
                    "must be between 0 and " + ReplicatedStatefulSetSpec.MAX_REPLICAS + ", got " + replicas));
        }
        Integer primaries = spec.getPrimaries();
        if (primaries != null && primaries < 0) {
            out.add(new SpecViolation("spec.primaries", "must be at least 0, got " + primaries));
        }
        if (primaries != null && replicas != null && primaries > replicas) {
            out.add(new SpecViolation("spec.primaries",
                    "must be less than or equal to spec.replicas (" + primaries + " > " + replicas + ")"));
        }
    }

    private static void checkTemplate(ReplicatedStatefulSetSpec spec, List<SpecViolation> out) {
        if (spec.getTemplate() == null) {
            out.add(new SpecViolation("spec.template", "is required"));
        } else if (containers(spec).isEmpty()) {
            out.add(new SpecViolation("spec.template.spec.containers", "must name at least one container"));
        }
    }

    private static void checkHooks(ReplicatedStatefulSetSpec spec, List<SpecViolation> out) {
        HooksSpec hooks = spec.getHooks();
        if (hooks == null) {
            out.add(new SpecViolation("spec.hooks", "is required"));
            return;
        }
        REQUIRED_HOOKS.forEach((name, get) -> {
            HookSpec hook = get.apply(hooks);
            if (hook == null) {
                out.add(new SpecViolation("spec.hooks." + name, "is required"));
            } else {
                checkHook("spec.hooks." + name, hook, out);
            }
        });
        OPTIONAL_HOOKS.forEach((name, get) -> {
            HookSpec hook = get.apply(hooks);
            if (hook != null) {
                checkHook("spec.hooks." + name, hook, out);
            }
        });
        if (hooks.getStatus() != null) {
            checkDuration("spec.hooks.status.period", hooks.getStatus().getPeriod(), MIN_PERIOD, out);
        }
        if (hooks.getMaxConcurrent() != null && hooks.getMaxConcurrent() < 1) {
            out.add(new SpecViolation("spec.hooks.maxConcurrent", "must be at least 1, got " + hooks.getMaxConcurrent()));
        }
        String container = hooks.getContainer();
        if (container != null && spec.getTemplate() != null && !containers(spec).isEmpty()
                && containers(spec).stream().noneMatch(c -> container.equals(c.getName()))) {
            out.add(new SpecViolation("spec.hooks.container",
                    "must name a container of spec.template, got \"" + container + "\""));
        }
    }

    private static void checkHook(String path, HookSpec hook, List<SpecViolation> out) {
        List<String> command = hook.getCommand();
        if (command == null || command.isEmpty()) {
            out.add(new SpecViolation(path + ".command", "must have at least one entry"));
        } else if (command.size() > HookSpec.MAX_ARGS) {
            out.add(new SpecViolation(path + ".command", "must have at most " + HookSpec.MAX_ARGS + " entries"));
        } else if (command.get(0) == null || command.get(0).isBlank()) {
            out.add(new SpecViolation(path + ".command[0]", "must name the program to run"));
        }
        checkDuration(path + ".timeout", hook.getTimeout(), Duration.ofNanos(1), out);
    }

    private static void checkRecovery(RecoverySpec recovery, List<SpecViolation> out) {
        if (recovery == null) {
            return;
        }
        checkDuration("spec.recovery.reportTimeout", recovery.getReportTimeout(), Duration.ofNanos(1), out);
        if (recovery.getFailureThreshold() != null && recovery.getFailureThreshold() < 1) {
            out.add(new SpecViolation("spec.recovery.failureThreshold", "must be at least 1"));
        }
        if (recovery.getSeedRetries() != null && recovery.getSeedRetries() < 0) {
            out.add(new SpecViolation("spec.recovery.seedRetries", "must be at least 0"));
        }
    }

    /** Durations are bounded: a zero timeout would fail every hook, a zero period would loop without pause. */
    private static void checkDuration(String path, String value, Duration min, List<SpecViolation> out) {
        if (value == null) {
            return;
        }
        var parsed = KubeDuration.parse(value);
        if (parsed.isEmpty()) {
            out.add(new SpecViolation(path, "must be a Kubernetes duration such as 30s, 5m or 1h30m, got \""
                    + value + "\""));
        } else if (parsed.get().compareTo(min) < 0) {
            out.add(new SpecViolation(path, (min.equals(MIN_PERIOD) ? "must be at least 1s" : "must be greater than 0s")
                    + ", got \"" + value + "\""));
        } else if (parsed.get().compareTo(MAX_DURATION) > 0) {
            out.add(new SpecViolation(path, "must be at most 24h, got \"" + value + "\""));
        }
    }

    private static List<Container> containers(ReplicatedStatefulSetSpec spec) {
        if (spec.getTemplate() == null || spec.getTemplate().getSpec() == null
                || spec.getTemplate().getSpec().getContainers() == null) {
            return List.of();
        }
        return spec.getTemplate().getSpec().getContainers();
    }
}
