package org.clusterlabs.rss.resources;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/** A controller owner reference, so garbage collection follows the resource and kubectl shows who manages it. */
public final class Ownership {

    private Ownership() {
    }

    public static <T extends HasMetadata> T ownedBy(T owned, ReplicatedStatefulSet rss) {
        OwnerReference ref = new OwnerReferenceBuilder()
                .withApiVersion(rss.getApiVersion())
                .withKind(rss.getKind())
                .withName(rss.getMetadata().getName())
                .withUid(rss.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
        owned.getMetadata().getOwnerReferences().add(ref);
        return owned;
    }
}
