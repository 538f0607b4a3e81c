package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The committed chart's generated pieces (the CRD, the RBAC rules) equal what this build generates. On failure:
 * {@code make helm}, review the diff, commit.
 */
class ChartDriftIT {

    @Test
    void theChartsGeneratedFilesMatchTheBuild() throws Exception {
        for (Map.Entry<Path, String> file : ChartSync.expectedFiles().entrySet()) {
            assertThat(file.getKey()).as("run `make helm`").exists();
            assertThat(Files.readString(file.getKey())).as(file.getKey() + " drifted from the build: run `make helm`")
                    .isEqualTo(file.getValue());
        }
    }

    @Test
    void theChartsLeaseRoleGrantsTheVerbsTheBuildAsksForTheLeaseLimitedByName() throws Exception {
        Set<String> generated = new TreeSet<>();
        for (PolicyRule rule : ChartSync.generatedRules()) {
            if (ChartSync.scopeOf(rule) == ChartSync.Scope.LEASE) {
                generated.addAll(tuples(rule));
            }
        }
        List<HasMetadata> rendered = HelmChartIT.render("rss-operator", "rss-system", "");
        Set<String> chart = new TreeSet<>();
        rendered.stream().filter(Role.class::isInstance).map(Role.class::cast)
                .filter(r -> r.getMetadata().getName().endsWith("-leader-election"))
                .flatMap(r -> r.getRules().stream()).forEach(rule -> chart.addAll(tuples(rule)));
        // the chart narrows get and update to the operator's Lease (QOSDK cannot express resourceNames)
        assertThat(chart).isNotEmpty().isEqualTo(generated.stream()
                .map(t -> t.endsWith("/create/*") ? t : t.replaceFirst("/\\*$", "/rss-operator-leader"))
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
    }

    @Test
    void everyGeneratedRuleIsGrantedByTheChartInEveryScope() throws Exception {
        Set<String> generated = new TreeSet<>();
        ChartSync.generatedRules().forEach(rule -> generated.addAll(tuples(rule)));
        for (String values : List.of("", "watchAnyNamespace: false\nwatchNamespaces: [db-a]\n",
                "watchAnyNamespace: false\n")) {
            Set<String> granted = new TreeSet<>();
            // (Lease names: see the test above)
            for (HasMetadata r : HelmChartIT.render("rss-operator", "rss-system", values)) {
                List<PolicyRule> rules = r instanceof Role role ? role.getRules()
                        : r instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole cr ? cr.getRules() : List.of();
                rules.forEach(rule -> tuples(rule).forEach(t -> granted.add(t.replace("/rss-operator-leader", "/*"))));
            }
            assertThat(granted).as(values).isEqualTo(generated);
        }
    }

    private static Set<String> tuples(PolicyRule rule) {
        Set<String> out = new TreeSet<>();
        List<String> names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? List.of("*")
                : rule.getResourceNames();
        for (String g : rule.getApiGroups()) {
            for (String res : rule.getResources()) {
                for (String v : rule.getVerbs()) {
                    for (String n : names) {
                        out.add(g + "/" + res + "/" + v + "/" + n);
                    }
                }
            }
        }
        return out;
    }
}
