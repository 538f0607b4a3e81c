package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.resources.DesiredServices;
import org.clusterlabs.rss.resources.Labels;

@KubernetesDependent(informer = @Informer(labelSelector = Labels.COMPONENT + "=" + DesiredServices.PEER_COMPONENT + ","
        + Labels.MANAGED_BY + "=" + Labels.OPERATOR))
public class PeerServiceDependent extends CRUDKubernetesDependentResource<Service, ReplicatedStatefulSet> {

    public PeerServiceDependent() {
        super(Service.class);
    }

    @Override
    protected Service desired(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context) {
        return DesiredServices.peer(rss);
    }
}
