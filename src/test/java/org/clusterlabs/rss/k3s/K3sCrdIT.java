package org.clusterlabs.rss.k3s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.FileInputStream;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Tier 4: what only a real API server can tell. It installs the generated CRD into k3s with server-side apply (a
 * real server enforces the CEL cost budget and the size limits) and checks that it refuses invalid resources with
 * the rule's message. Needs Docker: without it JUnit skips this class ("disabledWithoutDocker"); it is run on
 * machines with Docker, never here.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sCrdIT {

    @Container
    static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

    @Test
    void theRealApiServerAcceptsTheCrdAndEnforcesItsRules() throws Exception {
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build()) {
            try (var crd = new FileInputStream("target/kubernetes/replicatedstatefulsets.clusterlabs.org-v1.yml")) {
                client.load(crd).serverSideApply();
            }
            client.apiextensions().v1().customResourceDefinitions()
                    .withName("replicatedstatefulsets.clusterlabs.org")
                    .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                            60, java.util.concurrent.TimeUnit.SECONDS);

            ReplicatedStatefulSet valid = RssFixtures.valid("default", "ok", 3);
            assertThat(client.resource(valid).create().getMetadata().getUid()).isNotBlank();

            ReplicatedStatefulSet tooManyPrimaries = RssFixtures.valid("default", "bad", 3);
            tooManyPrimaries.getSpec().setPrimaries(4);
            assertThatThrownBy(() -> client.resource(tooManyPrimaries).create())
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("spec.primaries must be less than or equal to spec.replicas");

            ReplicatedStatefulSet emptyCommand = RssFixtures.valid("default", "bad2", 3);
            emptyCommand.getSpec().getHooks().getSequence().getCommand().clear();
            assertThatThrownBy(() -> client.resource(emptyCommand).create())
                    .isInstanceOf(KubernetesClientException.class)
                    .hasMessageContaining("command");
        }
    }
}
