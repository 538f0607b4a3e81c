package org.clusterlabs.rss.reconciler;

import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.javaoperatorsdk.operator.processing.event.source.ResourceEventAware;
import java.util.Set;
import java.util.function.Consumer;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/**
 * Tells the operator that a ReplicatedStatefulSet is gone, so that it forgets what it kept in memory for it (hook
 * ledger, Event dedupe, metric series), without a finalizer: a finalizer would make every deletion wait for a
 * running operator, and the operator has nothing to do on deletion (the StatefulSet is garbage-collected with its
 * owner). JOSDK hands the primary resource's watch events to every {@link ResourceEventAware} event source; this one
 * triggers no reconcile.
 */
final class ResourceDeletions extends AbstractEventSource<Void, ReplicatedStatefulSet>
        implements ResourceEventAware<ReplicatedStatefulSet> {

    private final Consumer<ReplicatedStatefulSet> onDeleted;

    ResourceDeletions(Consumer<ReplicatedStatefulSet> onDeleted) {
        super(Void.class, "deletions");
        this.onDeleted = onDeleted;
    }

    @Override
    public void onResourceDeleted(ReplicatedStatefulSet rss) {
        onDeleted.accept(rss);
    }

    @Override
    public Set<Void> getSecondaryResources(ReplicatedStatefulSet primary) {
        return Set.of();
    }
}
