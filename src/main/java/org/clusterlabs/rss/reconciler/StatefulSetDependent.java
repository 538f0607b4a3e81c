package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.resources.DesiredStatefulSet;
import org.clusterlabs.rss.resources.Labels;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class StatefulSetDependent extends CRUDKubernetesDependentResource<StatefulSet, ReplicatedStatefulSet> {

    /** The size the reconciler decided for this pass; it may lag spec.replicas while departing copies stop. */
    static final String REPLICAS_KEY = "statefulSetReplicas";

    public StatefulSetDependent() {
        super(StatefulSet.class);
    }

    @Override
    protected StatefulSet desired(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context) {
        int replicas = context.managedWorkflowAndDependentResourceContext()
                .get(REPLICAS_KEY, Integer.class)
                .orElse(rss.getSpec().replicasOrZero());
        StatefulSet desired = DesiredStatefulSet.build(rss, replicas);
        // Fields a StatefulSet cannot change keep their existing values; OwnedResources reports a changed spec.
        context.getSecondaryResource(StatefulSet.class).map(StatefulSet::getSpec).ifPresent(actual -> {
            desired.getSpec().setVolumeClaimTemplates(actual.getVolumeClaimTemplates());
            desired.getSpec().setSelector(actual.getSelector());
            desired.getSpec().setServiceName(actual.getServiceName());
            desired.getSpec().setPodManagementPolicy(actual.getPodManagementPolicy());
        });
        return desired;
    }
}
