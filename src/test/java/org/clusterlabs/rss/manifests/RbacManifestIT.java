package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 1: the RBAC the build generates (from the reconciler's {@code @RBACRule}s and its dependents) is
 * least-privilege, and the generated Deployment (the base of the OLM bundle) is locked down. Users install the chart
 * or the release manifest rendered from it: HelmChartIT checks each watch scope there, ChartDriftIT that the chart
 * grants exactly these rules.
 */
class RbacManifestIT {

    static List<HasMetadata> resources;

    @BeforeAll
    static void load() throws Exception {
        resources = GeneratedManifests.operatorResources();
    }

    @Test
    void grantsExecAndNoWildcards() {
        Map<String, Set<String>> grants = grants();
        assertThat(grants.get("/pods/exec")).containsExactlyInAnyOrder("create", "get");
        assertThat(grants.get("/pods")).containsExactlyInAnyOrder("get", "list", "watch", "patch", "delete");
        assertThat(grants.get("/nodes")).containsExactlyInAnyOrder("get", "list", "watch");
        assertThat(grants.get("/events")).as("events are created, and patched when similar ones are combined")
                .containsExactlyInAnyOrder("create", "patch");
        assertThat(grants.get("coordination.k8s.io/leases")).containsExactlyInAnyOrder("get", "create", "update", "patch");
        for (PolicyRule rule : rules()) {
            assertThat(rule.getVerbs()).as(rule.toString()).doesNotContain("*");
            assertThat(rule.getResources()).as(rule.toString()).doesNotContain("*");
            assertThat(rule.getApiGroups()).as(rule.toString()).doesNotContain("*");
        }
    }

    @Test
    void grantsNothingBeyondWhatTheOperatorUses() {
        assertThat(grants().keySet()).containsExactlyInAnyOrder(
                "clusterlabs.org/replicatedstatefulsets",
                "clusterlabs.org/replicatedstatefulsets/status",
                "clusterlabs.org/replicatedstatefulsets/finalizers",
                "apps/statefulsets",
                "/services",
                "/pods",
                "/pods/exec",
                "/nodes",
                "/events",
                "coordination.k8s.io/leases");
        // no binding to a broad built-in role such as view or edit
        assertThat(resources.stream().filter(RoleBinding.class::isInstance).map(RoleBinding.class::cast)
                .map(b -> b.getRoleRef().getName())).doesNotContain("view", "edit", "admin", "cluster-admin");
        assertThat(resources.stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
                .map(b -> b.getRoleRef().getName())).doesNotContain("view", "edit", "admin", "cluster-admin");
    }

    @Test
    void deploymentRunsNonRootWithReadOnlyRootFilesystemAndTheDefaultSeccompProfile() {
        GeneratedManifests.assertLockedDown(GeneratedManifests.deployment(resources));
    }

    @Test
    void theClusterRoleBindingNamesTheNamespaceOfTheOperatorServiceAccount() {
        ServiceAccount account = resources.stream().filter(ServiceAccount.class::isInstance)
                .map(ServiceAccount.class::cast).findFirst().orElseThrow();
        assertThat(account.getMetadata().getNamespace()).as("the plain manifests install into one namespace")
                .isEqualTo("rss-system");
        assertThat(resources).filteredOn(ClusterRoleBinding.class::isInstance).isNotEmpty()
                .flatExtracting(r -> ((ClusterRoleBinding) r).getSubjects())
                .allSatisfy(s -> {
                    assertThat(s.getName()).isEqualTo(account.getMetadata().getName());
                    assertThat(s.getNamespace()).as("required by the API server").isEqualTo("rss-system");
                });
        assertThat(resources).filteredOn(Deployment.class::isInstance)
                .allSatisfy(d -> assertThat(d.getMetadata().getNamespace()).isEqualTo("rss-system"));
    }

    @Test
    void noServiceMonitorByDefault() {
        assertThat(resources).noneMatch(r -> "ServiceMonitor".equals(r.getKind()));
    }

    private static List<PolicyRule> rules() {
        return resources.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
                .flatMap(r -> r.getRules().stream()).toList();
    }

    private static Map<String, Set<String>> grants() {
        Map<String, Set<String>> grants = new HashMap<>();
        for (PolicyRule rule : rules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    grants.computeIfAbsent(group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        return grants;
    }
}
