package org.clusterlabs.rss.resources;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/**
 * The StatefulSet the operator owns. Parallel pod management, because ordered start is exactly what fails after a
 * lights-out; OnDelete updates, because restarts belong to the operator (it stops a copy before its pod goes).
 */
public final class DesiredStatefulSet {

    public static final String COMPONENT = "copies";

    private DesiredStatefulSet() {
    }

    public static StatefulSet build(ReplicatedStatefulSet rss, int replicas) {
        return Ownership.ownedBy(new StatefulSetBuilder()
                .withNewMetadata()
                    .withName(ResourceNames.statefulSet(rss))
                    .withNamespace(rss.getMetadata().getNamespace())
                    .withLabels(Labels.owned(rss, COMPONENT))
                .endMetadata()
                .withNewSpec()
                    .withReplicas(replicas)
                    .withServiceName(ResourceNames.peerService(rss))
                    .withPodManagementPolicy("Parallel")
                    .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                    .withNewSelector().withMatchLabels(Labels.selector(rss)).endSelector()
                    .withTemplate(podTemplate(rss))
                    .withVolumeClaimTemplates(rss.getSpec().getVolumeClaimTemplates())
                .endSpec()
                .build(), rss);
    }

    private static PodTemplateSpec podTemplate(ReplicatedStatefulSet rss) {
        PodTemplateSpec userTemplate = rss.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>();
        if (userTemplate.getMetadata() != null && userTemplate.getMetadata().getLabels() != null) {
            labels.putAll(userTemplate.getMetadata().getLabels());
        }
        labels.putAll(Labels.owned(rss, COMPONENT));
        return new PodTemplateSpecBuilder(userTemplate)
                .editOrNewMetadata().withLabels(labels).endMetadata()
                .build();
    }
}
