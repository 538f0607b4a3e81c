package org.clusterlabs.rss.hooks;

import org.clusterlabs.rss.recovery.HookKind;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One hook run: an argv (never a shell string) in a container of a pod.
 *
 * @param namespace the pod's namespace
 * @param pod the pod's name
 * @param container the container to exec in; must be set (the caller resolves the "first container" default)
 * @param hook which hook this is (metrics tag, log lines, result helpers)
 * @param argv the argv, passed byte for byte as separate {@code command} parameters of the exec API
 * @param timeout how long the exec may run once it has started; the stream is closed when it passes
 * @param ownerKey {@code namespace/name} of the owning ReplicatedStatefulSet, for its concurrency limit
 * @param ownerLimit at most this many hooks of the owner run at once ({@code spec.hooks.maxConcurrent}); the
 *        operator's global limit applies besides
 */
public record HookInvocation(String namespace, String pod, String container, HookKind hook, List<String> argv,
        Duration timeout, String ownerKey, int ownerLimit) {

    /** No limit of the owner's own. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    public HookInvocation(String namespace, String pod, String container, HookKind hook, List<String> argv,
            Duration timeout, String ownerKey) {
        this(namespace, pod, container, hook, argv, timeout, ownerKey, UNLIMITED);
    }

    public HookInvocation {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(hook, "hook");
        Objects.requireNonNull(timeout, "timeout");
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a hook needs at least one argv entry");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a hook timeout must be positive: " + timeout);
        }
        if (ownerLimit < 1) {
            throw new IllegalArgumentException("an owner's hook limit must be >= 1: " + ownerLimit);
        }
        if (ownerKey == null || ownerKey.isBlank()) {
            ownerKey = namespace + "/" + pod;
        }
    }

    /** The same invocation with extra argv entries appended (the peers of primary/secondary). */
    public HookInvocation withExtraArgs(List<String> extra) {
        var all = new java.util.ArrayList<>(argv);
        all.addAll(extra);
        return new HookInvocation(namespace, pod, container, hook, all, timeout, ownerKey, ownerLimit);
    }
}
