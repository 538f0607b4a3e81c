package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Tier 1: the committed chart (helm/rss-operator), linted and rendered by Helm itself (helm-java embeds the Helm
 * library) in each watch scope, as {@code helm install rss helm/rss-operator --namespace ops} would render it.
 */
class HelmChartIT {

    static final Path CHART = ChartSync.CHART;
    static final String ENV_SCOPE = "QUARKUS_OPERATOR_SDK_CONTROLLERS_REPLICATEDSTATEFULSET_NAMESPACES";

    @Test
    void passesStrictLintInEveryScope() throws Exception {
        LintResult committed = new Helm(CHART).lint().strict().call();
        assertThat(committed.isFailed()).as(String.join("\n", committed.getMessages())).isFalse();
        String defaults = Files.readString(CHART.resolve("values.yaml"));
        String list = replace(defaults, "watchAnyNamespace: true\n", "watchAnyNamespace: false\n");
        list = replace(list, "watchNamespaces: []\n", "watchNamespaces: [db-a, db-b]\n");
        String current = replace(defaults, "watchAnyNamespace: true\n", "watchAnyNamespace: false\n");
        String monitored = replace(defaults, "serviceMonitor:\n  enabled: false\n", "serviceMonitor:\n  enabled: true\n");
        monitored = replace(monitored, "prometheusRule:\n  enabled: false\n", "prometheusRule:\n  enabled: true\n");
        monitored = replace(monitored, "grafanaDashboard:\n  enabled: false\n", "grafanaDashboard:\n  enabled: true\n");
        String noCrd = replace(defaults, "crds:\n  install: true\n", "crds:\n  install: false\n");
        for (String values : List.of(defaults, list, current, monitored, noCrd)) {
            LintResult lint = new Helm(ChartSync.renderableChart(values)).lint().strict().call();
            assertThat(lint.isFailed()).as(values + "\n" + String.join("\n", lint.getMessages())).isFalse();
        }
    }

    private static String replace(String text, String from, String to) {
        assertThat(text).contains(from);
        return text.replace(from, to);
    }

    @Test
    void installsAndUpgradesTheCrdWithTheReleaseAndKeepsItOnUninstall() throws Exception {
        CustomResourceDefinition generated = GeneratedManifests.parse(
                Files.readString(GeneratedManifests.DIR.resolve(ChartSync.CRD_FILE))).stream()
                .map(CustomResourceDefinition.class::cast).findFirst().orElseThrow();
        CustomResourceDefinition rendered = render("rss", "ops", "").stream()
                .filter(CustomResourceDefinition.class::isInstance).map(CustomResourceDefinition.class::cast)
                .findFirst().orElseThrow();
        assertThat(rendered.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        assertThat(rendered.getSpec()).isEqualTo(generated.getSpec());
        assertThat(CHART.resolve("crds")).as("Helm would install crds/ once and never upgrade it").doesNotExist();

        assertThat(render("rss", "ops", "crds:\n  install: false\n"))
                .noneMatch(CustomResourceDefinition.class::isInstance);
        assertThat(Files.readString(CHART.resolve("templates/NOTES.txt"))).contains("crds.install");
    }

    @Test
    void dashboardAndAlertRulesAreOptInAndShipTheRepositorysFiles() throws Exception {
        assertThat(render("rss", "ops", "")).noneMatch(x -> "PrometheusRule".equals(x.getKind()))
                .noneMatch(io.fabric8.kubernetes.api.model.ConfigMap.class::isInstance);

        List<HasMetadata> r = render("rss", "ops", "prometheusRule:\n  enabled: true\n  labels:\n    release: kps\n"
                + "grafanaDashboard:\n  enabled: true\n  namespace: grafana\n");
        io.fabric8.kubernetes.api.model.ConfigMap dashboard = find(r, io.fabric8.kubernetes.api.model.ConfigMap.class,
                "grafana", "rss-rss-operator-dashboard");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readTree(dashboard.getData().get("rss-operator.json")))
                .isEqualTo(json.readTree(Files.readString(Path.of("monitoring/grafana/rss-operator.json"))));

        GenericKubernetesResource rule = r.stream().filter(x -> "PrometheusRule".equals(x.getKind()))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        assertThat(rule.getMetadata().getNamespace()).isEqualTo("ops");
        assertThat(rule.getMetadata().getLabels()).containsEntry("release", "kps");
        var yaml = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        assertThat((com.fasterxml.jackson.databind.JsonNode) json.valueToTree(rule.getAdditionalProperties().get("spec")))
                .isEqualTo(yaml.readTree(Files.readString(Path.of("monitoring/prometheus/rss-operator-rules.yaml"))));
    }

    @Test
    void chartMetadata() throws Exception {
        String chart = Files.readString(CHART.resolve("Chart.yaml"));
        // (helm-java renders a copy without kubeVersion: its template assumes Kubernetes v1.20)
        assertThat(chart).contains("kubeVersion: \">=1.28.0-0\"", "appVersion:", "description:");
        assertThat(CHART.resolve("values.schema.json")).exists();
    }

    @Test
    void allNamespaces_aClusterRoleForTheOperatorsRightsAndTheLeaseInItsOwnNamespace() {
        List<HasMetadata> r = render("rss", "ops", "");
        assertThat(env(r)).containsEntry(ENV_SCOPE, "JOSDK_ALL_NAMESPACES");
        assertThat(names(r, ClusterRole.class)).containsExactlyInAnyOrder("ops-rss-rss-operator-nodes",
                "ops-rss-rss-operator");
        assertThat(names(r, ClusterRoleBinding.class)).containsExactlyInAnyOrder("ops-rss-rss-operator-nodes",
                "ops-rss-rss-operator");
        assertThat(grants(rules(r, ClusterRole.class, "ops-rss-rss-operator-nodes")))
                .containsOnlyKeys("/nodes").containsEntry("/nodes", Set.of("get", "list", "watch"));
        assertNamespacedRights(rules(r, ClusterRole.class, "ops-rss-rss-operator"));
        // the only Role: the Lease, in the release namespace
        assertThat(r).filteredOn(Role.class::isInstance).extracting(x -> x.getMetadata().getNamespace() + "/"
                + x.getMetadata().getName()).containsExactly("ops/rss-rss-operator-leader-election");
        assertLeaseRole(r, "ops", "rss-rss-operator-leader");
        assertBindingsNameTheServiceAccount(r, "ops", "rss-rss-operator");
    }

    @Test
    void aListOfNamespaces_aRoleInEachAndNoClusterWideRightsButNodes() {
        List<HasMetadata> r = render("rss", "ops", "watchAnyNamespace: false\nwatchNamespaces: [db-a, db-b]\n");
        assertThat(env(r)).containsEntry(ENV_SCOPE, "db-a,db-b");
        assertThat(names(r, ClusterRole.class)).containsExactly("ops-rss-rss-operator-nodes");
        assertThat(names(r, ClusterRoleBinding.class)).containsExactly("ops-rss-rss-operator-nodes");
        for (String ns : List.of("db-a", "db-b")) {
            Role role = find(r, Role.class, ns, "ops-rss-rss-operator");
            assertNamespacedRights(role.getRules());
            RoleBinding binding = find(r, RoleBinding.class, ns, "ops-rss-rss-operator");
            assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        }
        // the release namespace gets the Lease only: no pods, no exec there
        assertThat(r).filteredOn(x -> x instanceof Role && "ops".equals(x.getMetadata().getNamespace()))
                .extracting(x -> x.getMetadata().getName()).containsExactly("rss-rss-operator-leader-election");
        assertLeaseRole(r, "ops", "rss-rss-operator-leader");
        assertBindingsNameTheServiceAccount(r, "ops", "rss-rss-operator");
    }

    @Test
    void theCurrentNamespace_aRoleInTheReleaseNamespaceOnly() {
        List<HasMetadata> r = render("rss-operator", "db", "watchAnyNamespace: false\n");
        assertThat(env(r)).containsEntry(ENV_SCOPE, "JOSDK_WATCH_CURRENT");
        assertThat(names(r, ClusterRole.class)).containsExactly("db-rss-operator-nodes");
        assertThat(r).filteredOn(Role.class::isInstance).extracting(x -> x.getMetadata().getNamespace() + "/"
                + x.getMetadata().getName())
                .containsExactlyInAnyOrder("db/db-rss-operator", "db/rss-operator-leader-election");
        assertNamespacedRights(find(r, Role.class, "db", "db-rss-operator").getRules());
        assertLeaseRole(r, "db", "rss-operator-leader");
    }

    @Test
    void everyNamespacedObjectIsInTheReleaseNamespaceOrAWatchedOne() {
        List<HasMetadata> r = render("rss", "ops", "watchAnyNamespace: false\nwatchNamespaces: [db-a]\n");
        assertThat(r).filteredOn(x -> x instanceof Namespaced)
                .allSatisfy(x -> assertThat(x.getMetadata().getNamespace()).as(x.getKind()).isIn("ops", "db-a"));
    }

    @Test
    void twoReleasesShareNoClusterScopedName() {
        // there is one CRD per cluster: the second release leaves it to the first
        Set<String> first = clusterScopedNames(render("rss", "team-a", ""));
        Set<String> second = clusterScopedNames(render("rss", "team-b", "crds:\n  install: false\n"));
        assertThat(first).isNotEmpty().contains("CustomResourceDefinition/replicatedstatefulsets.clusterlabs.org")
                .doesNotContainAnyElementsOf(second);
    }

    @Test
    void serviceMonitorIsOptInAndSelectsOnlyTheOperatorsService() {
        assertThat(render("rss", "ops", "")).noneMatch(x -> "ServiceMonitor".equals(x.getKind()));

        List<HasMetadata> r = render("rss", "ops", "serviceMonitor:\n  enabled: true\n  labels:\n    release: prometheus\n");
        GenericKubernetesResource monitor = r.stream().filter(x -> "ServiceMonitor".equals(x.getKind()))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
        @SuppressWarnings("unchecked")
        Map<String, String> selector = (Map<String, String>) ((Map<String, Object>) ((Map<String, Object>) monitor
                .getAdditionalProperties().get("spec")).get("selector")).get("matchLabels");
        @SuppressWarnings("unchecked")
        Map<String, Object> endpoint = ((List<Map<String, Object>>) ((Map<String, Object>) monitor
                .getAdditionalProperties().get("spec")).get("endpoints")).get(0);
        assertThat(endpoint).as("keep the series' own namespace label").containsEntry("honorLabels", true);
        assertThat(selector).containsEntry("app.kubernetes.io/instance", "rss")
                .containsEntry("app.kubernetes.io/name", "rss-operator");
        Service service = r.stream().filter(Service.class::isInstance).map(Service.class::cast).findFirst()
                .orElseThrow();
        assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector);
    }

    @Test
    void runsTheOperatorLockedDownWithItsImageResourcesAndValues() {
        List<HasMetadata> r = render("rss", "ops", "nodeSelector:\n  disk: ssd\nimage:\n  pullSecrets:\n    - name: regcred\nreplicas: 2\n");
        Deployment deployment = GeneratedManifests.deployment(r);
        GeneratedManifests.assertLockedDown(deployment);
        var pod = deployment.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(ImageAgreementIT.expectedImage());
        assertThat(pod.getNodeSelector()).containsEntry("disk", "ssd");
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(env(r)).containsEntry("RSS_LEADER_ELECTION_ENABLED", "true")
                .containsEntry("RSS_LEADER_ELECTION_LEASE_NAME", "rss-rss-operator-leader");
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(r).filteredOn(x -> "ServiceAccount".equals(x.getKind())).singleElement()
                .satisfies(sa -> assertThat(((io.fabric8.kubernetes.api.model.ServiceAccount) sa)
                        .getImagePullSecrets()).extracting("name").containsExactly("regcred"));
    }

    @Test
    void refusesValuesOutsideTheSchemaAndAmbiguousScopes() {
        assertThatThrownBy(() -> render("rss", "ops", "watchAnyNamespace: false\nwatchNamespaces: [Not_A_Namespace]\n"))
                .hasMessageContaining("watchNamespaces");
        assertThatThrownBy(() -> render("rss", "ops", "noSuchValue: 1\n")).hasMessageContaining("noSuchValue");
        assertThatThrownBy(() -> render("rss", "ops", "watchNamespaces: [db-a]\n"))
                .hasMessageContaining("watchAnyNamespace");
    }

    // ---- what every scope grants to the operator where it watches ----

    static void assertNamespacedRights(List<PolicyRule> rules) {
        Map<String, Set<String>> grants = grants(rules);
        assertThat(grants.get("/pods/exec")).containsExactlyInAnyOrder("create", "get");
        assertThat(grants.get("/pods")).containsExactlyInAnyOrder("get", "list", "watch", "patch", "delete");
        assertThat(grants.get("/events")).as("events are created, and patched when similar ones are combined")
                .containsExactlyInAnyOrder("create", "patch");
        assertThat(grants).containsKeys("clusterlabs.org/replicatedstatefulsets",
                "clusterlabs.org/replicatedstatefulsets/status", "apps/statefulsets", "/services");
        assertThat(grants).doesNotContainKeys("/nodes", "coordination.k8s.io/leases", "/secrets");
        assertNoWildcards(rules);
    }

    static void assertLeaseRole(List<HasMetadata> r, String namespace, String leaseName) {
        Role lease = r.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(x -> x.getMetadata().getName().endsWith("-leader-election")).findFirst().orElseThrow();
        assertThat(lease.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat(lease.getRules()).allSatisfy(rule -> {
            assertThat(rule.getApiGroups()).containsExactly("coordination.k8s.io");
            assertThat(rule.getResources()).containsExactly("leases");
            if (rule.getVerbs().equals(List.of("create"))) {
                assertThat(rule.getResourceNames()).as("create cannot be limited by name").isEmpty();
            } else {
                assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "update", "patch");
                assertThat(rule.getResourceNames()).containsExactly(leaseName);
            }
        });
        assertThat(grants(lease.getRules())).containsEntry("coordination.k8s.io/leases",
                Set.of("create", "get", "update", "patch"));
    }

    static void assertBindingsNameTheServiceAccount(List<HasMetadata> r, String namespace, String account) {
        assertThat(r).filteredOn(x -> x instanceof RoleBinding || x instanceof ClusterRoleBinding).isNotEmpty()
                .flatExtracting(x -> x instanceof RoleBinding rb ? rb.getSubjects()
                        : ((ClusterRoleBinding) x).getSubjects())
                .allSatisfy(s -> {
                    assertThat(s.getKind()).isEqualTo("ServiceAccount");
                    assertThat(s.getName()).isEqualTo(account);
                    assertThat(s.getNamespace()).isEqualTo(namespace);
                });
    }

    static void assertNoWildcards(List<PolicyRule> rules) {
        for (PolicyRule rule : rules) {
            assertThat(rule.getVerbs()).as(rule.toString()).doesNotContain("*");
            assertThat(rule.getResources()).as(rule.toString()).doesNotContain("*");
            assertThat(rule.getApiGroups()).as(rule.toString()).doesNotContain("*");
        }
    }

    static Map<String, Set<String>> grants(List<PolicyRule> rules) {
        Map<String, Set<String>> grants = new LinkedHashMap<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grants.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return grants;
    }

    // ---- rendering ----

    static List<HasMetadata> render(String release, String namespace, String values) {
        try {
            return GeneratedManifests.parse(ChartSync.template(release, namespace, values));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, String> env(List<HasMetadata> r) {
        Map<String, String> env = new LinkedHashMap<>();
        GeneratedManifests.deployment(r).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .forEach(e -> env.put(e.getName(), e.getValue()));
        return env;
    }

    static <T extends HasMetadata> List<String> names(List<HasMetadata> r, Class<T> kind) {
        return r.stream().filter(kind::isInstance).map(x -> x.getMetadata().getName()).toList();
    }

    static List<PolicyRule> rules(List<HasMetadata> r, Class<ClusterRole> kind, String name) {
        return r.stream().filter(kind::isInstance).map(kind::cast).filter(x -> x.getMetadata().getName().equals(name))
                .findFirst().orElseThrow().getRules();
    }

    static <T extends HasMetadata> T find(List<HasMetadata> r, Class<T> kind, String namespace, String name) {
        return r.stream().filter(kind::isInstance).map(kind::cast)
                .filter(x -> namespace.equals(x.getMetadata().getNamespace()) && name.equals(x.getMetadata().getName()))
                .findFirst().orElseThrow(() -> new AssertionError(kind.getSimpleName() + " " + namespace + "/" + name));
    }

    static Set<String> clusterScopedNames(List<HasMetadata> r) {
        Set<String> names = new TreeSet<>();
        r.stream().filter(x -> !(x instanceof Namespaced)).forEach(x -> names.add(x.getKind() + "/"
                + x.getMetadata().getName()));
        return names;
    }
}
