package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the manifests the Quarkus build generated into target/kubernetes. */
final class GeneratedManifests {

    static final Path DIR = Path.of("target", "kubernetes");

    private GeneratedManifests() {
    }

    static CustomResourceDefinition crd() throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve("replicatedstatefulsets.clusterlabs.org-v1.yml"))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }

    static List<HasMetadata> operatorResources() throws IOException {
        return parse(Files.readString(DIR.resolve("kubernetes.yml")));
    }

    static Deployment deployment(List<HasMetadata> resources) {
        return resources.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
                .orElseThrow();
    }

    /** The operator pod as the restricted Pod Security Standard wants it, under its own service account. */
    static void assertLockedDown(Deployment deployment) {
        var pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's numeric user").isEqualTo(185L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        var container = pod.getContainers().get(0);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getResources().getLimits().get("memory")).hasToString("256Mi");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("JAVA_OPTS_APPEND");
            assertThat(e.getValue()).contains("-XX:MaxRAMPercentage=75", "-XX:+UseSerialGC");
        });
        assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
        var annotations = new java.util.HashMap<String, String>();
        if (deployment.getMetadata().getAnnotations() != null) {
            annotations.putAll(deployment.getMetadata().getAnnotations());
        }
        if (deployment.getSpec().getTemplate().getMetadata().getAnnotations() != null) {
            annotations.putAll(deployment.getSpec().getTemplate().getMetadata().getAnnotations());
        }
        assertThat(annotations).as("a build timestamp would roll the pods on every rebuild")
                .doesNotContainKey("app.quarkus.io/build-timestamp");
    }

    /** Parses a multi-document manifest. */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = Serialization.unmarshal(yaml);
        if (parsed instanceof KubernetesList list) {
            return list.getItems();
        }
        if (parsed instanceof HasMetadata single) {
            return List.of(single);
        }
        @SuppressWarnings("unchecked")
        List<HasMetadata> items = (List<HasMetadata>) parsed;
        return items;
    }
}
