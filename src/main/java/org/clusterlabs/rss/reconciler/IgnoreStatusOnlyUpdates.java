package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/**
 * An update of a ReplicatedStatefulSet starts a pass when its spec (generation), annotations (the force-seed
 * request), labels or deletion changed. A change of status alone does not: the operator writes status itself, and
 * a pass woken by its own write would plan again from the same observations while the next hook's completion waits
 * behind it. Passes are also scheduled by hook completions, pods, nodes and the status period.
 */
public class IgnoreStatusOnlyUpdates implements OnUpdateFilter<ReplicatedStatefulSet> {

    @Override
    public boolean accept(ReplicatedStatefulSet updated, ReplicatedStatefulSet old) {
        ObjectMeta now = updated.getMetadata();
        ObjectMeta before = old.getMetadata();
        return !Objects.equals(now.getGeneration(), before.getGeneration())
                || !Objects.equals(now.getAnnotations(), before.getAnnotations())
                || !Objects.equals(now.getLabels(), before.getLabels())
                || !Objects.equals(now.getDeletionTimestamp(), before.getDeletionTimestamp())
                || !Objects.equals(now.getFinalizers(), before.getFinalizers());
    }
}
