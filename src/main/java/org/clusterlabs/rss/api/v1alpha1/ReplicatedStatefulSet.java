package org.clusterlabs.rss.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A replicated stateful application whose copies keep their data on persistent volumes, and which the operator
 * restarts in the right order after every copy stopped (a lights-out).
 */
@Group(ReplicatedStatefulSet.GROUP)
@Version(ReplicatedStatefulSet.VERSION)
@ShortNames("rss")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.ready", type = Type.STRING)
@AdditionalPrinterColumn(name = "Primaries", jsonPath = ".status.primaries", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Seed", jsonPath = ".status.seed.pod", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class ReplicatedStatefulSet extends CustomResource<ReplicatedStatefulSetSpec, ReplicatedStatefulSetStatus>
        implements Namespaced {

    public static final String GROUP = "clusterlabs.org";
    public static final String VERSION = "v1alpha1";

    /** The one-shot force-seed request: its value names the pod to seed, even below the high-water mark. */
    public static final String FORCE_SEED_ANNOTATION = "rss.clusterlabs.org/force-seed";

    @Override
    protected ReplicatedStatefulSetStatus initStatus() {
        return new ReplicatedStatefulSetStatus();
    }
}
