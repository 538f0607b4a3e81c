package org.clusterlabs.rss.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerImageBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** Tier 1: the informer stores keep what the operator reads, and drop the rest. */
class PrunedStoreTest {

    @Test
    void aPodKeepsEverythingButItsManagedFields() {
        Pod pod = new PodBuilder().withNewMetadata().withName("db-0").withNamespace("ns").addToLabels("a", "b")
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build()).endMetadata()
                .withNewSpec().withNodeName("n1").addNewContainer().withName("app").endContainer().endSpec()
                .withNewStatus().withPhase("Running").endStatus().build();
        PrunedStore<Pod> store = PrunedStore.pods();
        store.put(store.getKey(pod), pod);

        Pod cached = store.get("ns/db-0");
        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(cached.getMetadata().getLabels()).containsEntry("a", "b");
        assertThat(cached.getSpec().getNodeName()).isEqualTo("n1");
        assertThat(cached.getSpec().getContainers()).extracting("name").containsExactly("app");
        assertThat(cached.getStatus().getPhase()).isEqualTo("Running");
    }

    @Test
    void aNodeKeepsItsMetadataAndReadyConditionOnly() {
        Node node = new NodeBuilder().withNewMetadata().withName("n1").addToAnnotations("big", "x".repeat(1000))
                .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build()).endMetadata()
                .withNewStatus().addNewCondition().withType("MemoryPressure").withStatus("False").endCondition()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .withImages(new ContainerImageBuilder().addToNames("mariadb:11").withSizeBytes(1L << 30).build())
                .endStatus().build();
        PrunedStore<Node> store = PrunedStore.nodes();
        store.put(store.getKey(node), node);

        Node cached = store.get("n1");
        assertThat(cached.getMetadata().getName()).isEqualTo("n1");
        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(cached.getMetadata().getAnnotations()).as("JOSDK's event handler reads them").containsKey("big");
        assertThat(cached.getStatus().getImages()).isNullOrEmpty();
        assertThat(cached.getStatus().getConditions()).extracting("type").containsExactly("Ready");
        assertThat(PodConditions.isNodeReady(cached)).isTrue();
    }
}
