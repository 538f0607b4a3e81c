package org.clusterlabs.rss.reconciler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.HooksSpec;
import org.clusterlabs.rss.api.v1alpha1.KubeDuration;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.resources.ResourceNames;

/** Builds the exec invocation of a hook from the spec: the argv as given, peers appended as separate entries. */
final class HookInvocations {

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

    static HookInvocation invocation(ReplicatedStatefulSet rss, HookKind kind, HookSpec hook, String pod,
            List<String> peerPods) {
        List<String> argv = new ArrayList<>(hook.getCommand());
        peerPods.forEach(peer -> argv.add(ResourceNames.peerFqdn(rss, peer)));
        return new HookInvocation(rss.getMetadata().getNamespace(), pod, container(rss), kind,
                argv, KubeDuration.parseOr(hook.getTimeout(), Duration.ofSeconds(30)), ownerKey(rss));
    }

    static String ownerKey(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getNamespace() + "/" + rss.getMetadata().getName();
    }

    private static String container(ReplicatedStatefulSet rss) {
        String named = rss.getSpec().getHooks().getContainer();
        return named != null ? named : rss.getSpec().getTemplate().getSpec().getContainers().get(0).getName();
    }
}
