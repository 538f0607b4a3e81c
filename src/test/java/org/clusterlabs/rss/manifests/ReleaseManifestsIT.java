package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code make release-manifests}: one file for {@code kubectl apply --server-side -f}, the ServiceMonitor apart. */
class ReleaseManifestsIT {

    static List<HasMetadata> install;

    @BeforeAll
    static void write() throws Exception {
        ReleaseManifests.write();
        install = GeneratedManifests.parse(Files.readString(ReleaseManifests.INSTALL));
    }

    @Test
    void oneFileWithTheNamespaceTheCrdRbacAndTheOperatorInApplyOrder() {
        assertThat(install.get(0)).isInstanceOf(Namespace.class);
        assertThat(install.get(0).getMetadata().getName()).isEqualTo("rss-system");
        assertThat(install.get(1)).isInstanceOf(CustomResourceDefinition.class);
        assertThat(install).filteredOn(CustomResourceDefinition.class::isInstance).singleElement()
                .satisfies(crd -> assertThat(crd.getMetadata().getAnnotations()).as("no Helm annotation").isNullOrEmpty());
        assertThat(install).filteredOn(Namespaced.class::isInstance)
                .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).as(r.getKind()).isEqualTo("rss-system"));
        assertThat(install).hasAtLeastOneElementOfType(ClusterRole.class).hasAtLeastOneElementOfType(
                ClusterRoleBinding.class).hasAtLeastOneElementOfType(Role.class).hasAtLeastOneElementOfType(
                Deployment.class);
        assertThat(install).noneMatch(r -> "ServiceMonitor".equals(r.getKind()));
        GeneratedManifests.assertLockedDown(GeneratedManifests.deployment(install));
        assertThat(GeneratedManifests.deployment(install).getMetadata().getName()).isEqualTo("rss-operator");
    }

    @Test
    void theLeaseMatchesTheOperatorsDefault() throws Exception {
        assertThat(Files.readString(ReleaseManifests.INSTALL)).contains("- rss-operator-leader\n");
    }

    @Test
    void theServiceMonitorIsASeparateFile() throws Exception {
        List<HasMetadata> monitor = GeneratedManifests.parse(Files.readString(ReleaseManifests.SERVICE_MONITOR));
        assertThat(monitor).singleElement().satisfies(r -> {
            assertThat(r.getKind()).isEqualTo("ServiceMonitor");
            assertThat(r.getMetadata().getNamespace()).isEqualTo("rss-system");
        });
    }
}
