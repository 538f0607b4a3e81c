package org.clusterlabs.rss.reconciler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.HooksSpec;
import org.clusterlabs.rss.api.v1alpha1.KubeDuration;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.resources.ResourceNames;

/** Builds the exec invocation of a hook from the spec: the argv as given, peers appended as separate entries. */
final class HookInvocations {

    /** How long {@code timeout -k} lets a command run after its TERM before it sends KILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(5);
    /** How long the operator waits beyond a wrapped command's kill for its exit status to arrive. */
    static final Duration EXIT_MARGIN = Duration.ofSeconds(2);

    private HookInvocations() {
    }

    static Optional<HookSpec> specOf(HooksSpec hooks, HookKind kind) {
        return Optional.ofNullable(switch (kind) {
            case SEQUENCE -> hooks.getSequence();
            case SEED -> hooks.getSeed() != null ? hooks.getSeed() : hooks.getPrimary();
            case PRIMARY -> hooks.getPrimary();
            case SECONDARY -> hooks.getSecondary() != null ? hooks.getSecondary() : hooks.getPrimary();
            case STATUS -> hooks.getStatus();
            case STOP -> hooks.getStop();
        });
    }

    /**
     * With {@code killAfterTimeout}, the argv runs under {@code timeout -k}: the command is bounded in the pod, and
     * the operator waits for it a little longer than its kill, so that the end of a killed command is seen.
     *
     * @throws IllegalArgumentException when the hook's timeout is not a positive duration
     */
    static HookInvocation invocation(ReplicatedStatefulSet rss, HookKind kind, HookSpec hook, String pod,
            List<String> peerPods) {
        Duration timeout = hook.getTimeout() == null ? Duration.ofSeconds(30) : KubeDuration.parse(hook.getTimeout())
                .filter(d -> !d.isZero() && !d.isNegative())
                .orElseThrow(() -> new IllegalArgumentException("timeout " + hook.getTimeout()
                        + " is not a positive duration"));
        List<String> argv = new ArrayList<>();
        Duration waitFor = timeout;
        if (hook.killsAfterTimeout()) {
            argv.addAll(List.of("timeout", "-k", seconds(KILL_GRACE), seconds(timeout)));
            waitFor = timeout.plus(KILL_GRACE).plus(EXIT_MARGIN);
        }
        argv.addAll(hook.getCommand());
        peerPods.forEach(peer -> argv.add(ResourceNames.peerFqdn(rss, peer)));
        Integer ownerLimit = rss.getSpec().getHooks().getMaxConcurrent();
        return new HookInvocation(rss.getMetadata().getNamespace(), pod, container(rss), kind, argv, waitFor,
                ownerKey(rss), ownerLimit == null ? HookInvocation.UNLIMITED : ownerLimit);
    }

    static String ownerKey(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getNamespace() + "/" + rss.getMetadata().getName();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3fs", d.toMillis() / 1000.0);
    }

    private static String container(ReplicatedStatefulSet rss) {
        String named = rss.getSpec().getHooks().getContainer();
        return named != null ? named : rss.getSpec().getTemplate().getSpec().getContainers().get(0).getName();
    }
}
