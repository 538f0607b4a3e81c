package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tier 3: the committed chart (helm/rss-operator) installed by Helm (helm-java embeds the Helm library) on the real
 * API server: without the Prometheus Operator, with its real CRDs (from the prometheus-operator Go module, the files
 * its own install uses), and in each watch scope, where the chart's ServiceAccount is asked what it may do.
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300)
class HelmInstallOnApiServerIT {

    static final Path CHART = Path.of("helm", "rss-operator");
    static final String RSS_CRD = "replicatedstatefulsets.clusterlabs.org";
    /** The Prometheus Operator release whose CRDs are installed (served by the Go module proxy). */
    static final String PROMETHEUS_OPERATOR = "github.com/prometheus-operator/prometheus-operator@v0.89.0";
    static final List<String> MONITORING_CRDS = List.of("servicemonitors", "prometheusrules");

    static ControlPlane cp;
    static KubernetesClient admin;

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        cp = controlPlane;
        admin = cp.admin();
        for (String crd : MONITORING_CRDS) {
            admin.apiextensions().v1().customResourceDefinitions().withName(crd + ".monitoring.coreos.com")
                    .withTimeout(60, TimeUnit.SECONDS).delete();
        }
        // The chart creates the CRD. One applied by another class of this tier (the shared operator watches it, so
        // it is never deleted here) is handed to the release the way Helm adopts an object: its ownership metadata.
        if (admin.apiextensions().v1().customResourceDefinitions().withName(RSS_CRD).get() != null) {
            ControlPlane.Result adopt = cp.kubectl("patch", "crd", RSS_CRD, "--type=merge", "-p",
                    "{\"metadata\":{\"labels\":{\"app.kubernetes.io/managed-by\":\"Helm\"},\"annotations\":{"
                            + "\"meta.helm.sh/release-name\":\"rss\",\"meta.helm.sh/release-namespace\":\"rss-helm\"}}}");
            assertThat(adopt.exitCode()).as(adopt.toString()).isZero();
        }
    }

    @Test
    @Order(1)
    void installsOnAClusterWithoutThePrometheusOperatorAndKeepsTheCrdOnUninstall() {
        Release release = install("rss", "rss-helm", Map.of());
        assertThat(release.getStatus()).isEqualTo("deployed");
        CustomResourceDefinition crd = admin.apiextensions().v1().customResourceDefinitions().withName(RSS_CRD).get();
        assertThat(crd.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep")
                .containsEntry("meta.helm.sh/release-name", "rss");
        assertThat(admin.apps().deployments().inNamespace("rss-helm").withName("rss-rss-operator").get()).isNotNull();

        uninstall("rss", "rss-helm");
        assertThat(admin.apps().deployments().inNamespace("rss-helm").withName("rss-rss-operator").get()).isNull();
        assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(RSS_CRD).get())
                .as("helm.sh/resource-policy: keep").isNotNull();
        assertThat(admin.rbac().clusterRoles().list().getItems()).extracting(r -> r.getMetadata().getName())
                .noneMatch(n -> n.startsWith("rss-helm-"));
    }

    @Test
    @Order(2)
    void theMonitoringObjectsNeedThePrometheusOperatorsCrdsAndAreAcceptedByThem() throws Exception {
        Map<String, Object> monitoring = Map.of("serviceMonitor.enabled", true, "prometheusRule.enabled", true,
                "crds.install", false);
        assertThatThrownBy(() -> install("mon", "rss-helm-mon", monitoring))
                .hasMessageContaining("ServiceMonitor");

        Path crds = prometheusOperatorCrds();
        for (String crd : MONITORING_CRDS) {
            ControlPlane.Result r = cp.kubectl("apply", "--server-side", "-f",
                    crds.resolve("monitoring.coreos.com_" + crd + ".yaml").toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(cp.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                    "crd/" + crd + ".monitoring.coreos.com").exitCode()).isZero();
        }
        uninstall("mon", "rss-helm-mon");
        Release release = install("mon", "rss-helm-mon", monitoring);
        assertThat(release.getStatus()).isEqualTo("deployed");
        GenericKubernetesResource monitor = admin.genericKubernetesResources("monitoring.coreos.com/v1",
                "ServiceMonitor").inNamespace("rss-helm-mon").withName("mon-rss-operator").get();
        assertThat(monitor).as("the real ServiceMonitor schema keeps honorLabels").isNotNull();
        assertThat(monitor.getAdditionalProperties().toString()).contains("honorLabels=true");
        GenericKubernetesResource rule = admin.genericKubernetesResources("monitoring.coreos.com/v1",
                "PrometheusRule").inNamespace("rss-helm-mon").withName("mon-rss-operator").get();
        assertThat(rule.getAdditionalProperties().toString()).contains("RssRecoveryStuck", "RssNoLeader");
        uninstall("mon", "rss-helm-mon");
    }

    @Test
    @Order(3)
    void aListOfNamespacesGrantsExecThereAndNowhereElse() throws Exception {
        for (String ns : List.of("db-a", "db-b")) {
            cp.kubectl("create", "namespace", ns);
        }
        install("scoped", "rss-scoped", Map.of("watchAnyNamespace", false, "watchNamespaces[0]", "db-a",
                "crds.install", false));
        try (KubernetesClient operator = serviceAccountClient("rss-scoped", "scoped-rss-operator")) {
            assertThat(allowed(operator, "db-a", "create", "", "pods", "exec")).isTrue();
            assertThat(allowed(operator, "db-a", "patch", "clusterlabs.org", "replicatedstatefulsets", "status"))
                    .isTrue();
            assertThat(allowed(operator, "db-a", "create", "", "events", null)).isTrue();
            assertThat(allowed(operator, null, "list", "", "nodes", null)).isTrue();
            assertThat(allowed(operator, "db-b", "create", "", "pods", "exec")).as("not watched").isFalse();
            assertThat(allowed(operator, "kube-system", "create", "", "pods", "exec")).isFalse();
            assertThat(allowed(operator, "db-a", "get", "", "secrets", null)).isFalse();
            assertThat(allowed(operator, null, "list", "", "pods", null)).as("cluster-wide").isFalse();
            assertThat(allowedLease(operator, "rss-scoped", "update", "scoped-rss-operator-leader")).isTrue();
            assertThat(allowedLease(operator, "rss-scoped", "update", "another-lease")).isFalse();
            assertThat(allowedLease(operator, "kube-node-lease", "update", ControlPlane.NODE)).isFalse();
        } finally {
            uninstall("scoped", "rss-scoped");
        }
    }

    @Test
    @Order(4)
    void allNamespacesGrantsExecEverywhereButNoSecrets() throws Exception {
        install("wide", "rss-wide", Map.of("crds.install", false));
        try (KubernetesClient operator = serviceAccountClient("rss-wide", "wide-rss-operator")) {
            assertThat(allowed(operator, "db-b", "create", "", "pods", "exec")).isTrue();
            assertThat(allowed(operator, null, "watch", "", "pods", null)).isTrue();
            assertThat(allowed(operator, "db-b", "get", "", "secrets", null)).isFalse();
            assertThat(allowed(operator, null, "update", "", "nodes", null)).isFalse();
            assertThat(allowedLease(operator, "kube-node-lease", "update", ControlPlane.NODE)).isFalse();
        } finally {
            uninstall("wide", "rss-wide");
        }
    }

    @Test
    @Order(5)
    void theOneFileInstallIsAppliedServerSide() throws Exception {
        // its own namespace, so that it shares nothing with the other classes of this tier
        String manifest = org.clusterlabs.rss.manifests.ReleaseManifests.install()
                .replace("rss-system", "rss-onefile");
        ControlPlane.Result r = cp.kubectlWith(cp.kubeconfig(), manifest, "apply", "--server-side",
                "--force-conflicts", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(admin.apps().deployments().inNamespace("rss-onefile").withName("rss-operator").get()).isNotNull();
        assertThat(cp.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/" + RSS_CRD).exitCode())
                .isZero();
        ControlPlane.Result removed = cp.kubectlWith(cp.kubeconfig(), manifest.replaceAll(
                "(?s)---\\n# Generated by Fabric8 CRDGenerator.*?(?=---\\n)", ""), "delete", "--wait=false", "-f", "-");
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
    }

    // ---- Helm ----

    private static Release install(String release, String namespace, Map<String, Object> values) {
        InstallCommand install = new Helm(CHART).install().withName(release).withNamespace(namespace)
                .createNamespace().withKubeConfig(cp.kubeconfig()).withTimeout(120);
        values.forEach(install::set);
        return install.call();
    }

    private static void uninstall(String release, String namespace) {
        Helm.uninstall(release).withNamespace(namespace).withKubeConfig(cp.kubeconfig()).ignoreNotFound().call();
    }

    // ---- what the chart's ServiceAccount may do ----

    private static KubernetesClient serviceAccountClient(String namespace, String account) {
        ControlPlane.Result token = cp.kubectl("create", "token", account, "-n", namespace, "--duration=1h");
        assertThat(token.exitCode()).as(token.toString()).isZero();
        return ControlPlane.client(cp.tokenKubeconfig(account, token.output().trim()));
    }

    private static boolean allowed(KubernetesClient as, String namespace, String verb, String group, String resource,
            String subresource) {
        return as.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes().withNamespace(namespace).withVerb(verb).withGroup(group)
                .withResource(resource).withSubresource(subresource).endResourceAttributes().endSpec().build())
                .getStatus().getAllowed();
    }

    private static boolean allowedLease(KubernetesClient as, String namespace, String verb, String name) {
        return as.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes().withNamespace(namespace).withVerb(verb)
                .withGroup("coordination.k8s.io").withResource("leases").withName(name).endResourceAttributes()
                .endSpec().build()).getStatus().getAllowed();
    }

    /** The Prometheus Operator's own CRD files, from its Go module (downloaded once into the Go module cache). */
    static Path prometheusOperatorCrds() throws Exception {
        ControlPlane.Result r = ControlPlane.run(Duration.ofMinutes(5),
                List.of("go", "mod", "download", "-json", PROMETHEUS_OPERATOR));
        assertThat(r.exitCode()).as("go mod download %s: %s", PROMETHEUS_OPERATOR, r).isZero();
        String dir = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.output()).get("Dir").asText();
        Path crds = Path.of(dir, "example", "prometheus-operator-crd");
        assertThat(Files.isDirectory(crds)).as(crds.toString()).isTrue();
        return crds;
    }
}
