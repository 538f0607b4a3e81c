package org.clusterlabs.rss.manifests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pieces of the committed chart (helm/rss-operator) that the build generates or that live elsewhere in the repo:
 * the CRD, the Grafana dashboard and the alert rules (copies of monitoring/), and the operator's RBAC rules, split by
 * where they are granted. {@code make helm} writes them ({@link #main}); ChartDriftIT fails when the
 * committed files differ from what the current build generates.
 * <ul>
 * <li>rules on nodes (cluster-scoped) go to {@code files/rbac/cluster-rules.yaml}: a ClusterRole in every scope;</li>
 * <li>rules on Leases are granted by the chart's leader-election Role in the operator's namespace (with the
 * configured Lease name), so they are not copied; ChartDriftIT compares them;</li>
 * <li>everything else goes to {@code files/rbac/namespaced-rules.yaml}: a ClusterRole when every namespace is
 * watched, a Role in each watched namespace otherwise.</li>
 * </ul>
 */
public final class ChartSync {

    static final Path CHART = Path.of("helm", "rss-operator");
    static final String CRD_FILE = "replicatedstatefulsets.clusterlabs.org-v1.yml";
    static final String HEADER = "# Generated from the build's RBAC (target/kubernetes/kubernetes.yml) by `make helm`; do not edit.\n"
            + "# ChartDriftIT fails when this differs from what the build generates.\n";

    private ChartSync() {
    }

    public static void main(String[] args) throws IOException {
        for (Map.Entry<Path, String> file : expectedFiles().entrySet()) {
            Files.createDirectories(file.getKey().getParent());
            Files.writeString(file.getKey(), file.getValue());
            System.out.println("  wrote " + file.getKey());
        }
    }

    /** Each generated file of the chart, with the content the current build implies. */
    static Map<Path, String> expectedFiles() throws IOException {
        Map<Path, String> files = new LinkedHashMap<>();
        files.put(CHART.resolve("files/crds").resolve(CRD_FILE),
                Files.readString(GeneratedManifests.DIR.resolve(CRD_FILE)));
        files.put(CHART.resolve("files/grafana/rss-operator.json"),
                Files.readString(Path.of("monitoring/grafana/rss-operator.json")));
        files.put(CHART.resolve("files/prometheus/rss-operator-rules.yaml"),
                Files.readString(Path.of("monitoring/prometheus/rss-operator-rules.yaml")));
        List<PolicyRule> cluster = new ArrayList<>();
        List<PolicyRule> namespaced = new ArrayList<>();
        for (PolicyRule rule : generatedRules()) {
            switch (scopeOf(rule)) {
                case CLUSTER -> cluster.add(rule);
                case NAMESPACED -> namespaced.add(rule);
                case LEASE -> {
                }
            }
        }
        files.put(CHART.resolve("files/rbac/cluster-rules.yaml"), HEADER + toYaml(cluster));
        files.put(CHART.resolve("files/rbac/namespaced-rules.yaml"), HEADER + toYaml(namespaced));
        return files;
    }

    enum Scope { CLUSTER, NAMESPACED, LEASE }

    static Scope scopeOf(PolicyRule rule) {
        boolean nodes = rule.getResources().contains("nodes");
        boolean leases = rule.getApiGroups().contains("coordination.k8s.io") && rule.getResources().contains("leases");
        if ((nodes || leases) && rule.getResources().size() > 1) {
            throw new IllegalStateException("a rule mixes cluster-scoped or lease resources with others: " + rule);
        }
        return nodes ? Scope.CLUSTER : leases ? Scope.LEASE : Scope.NAMESPACED;
    }

    /** The rules of every ClusterRole the build generated for the operator. */
    private static Path renderable;

    /**
     * A copy of the chart that helm-java 0.0.15 can render: its {@code template} assumes Kubernetes v1.20 and offers
     * no --kube-version, so the copy drops the kubeVersion constraint (HelmChartIT checks it in the real Chart.yaml).
     * {@code values}, when not null, replaces values.yaml (helm-java's lint takes no values file).
     */
    static synchronized Path renderableChart(String values) throws IOException {
        Path copy = Files.createTempDirectory("rss-chart").resolve("rss-operator");
        try (var files = Files.walk(CHART)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(CHART.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        Path chart = copy.resolve("Chart.yaml");
        Files.writeString(chart, Files.readString(chart).replaceAll("(?m)^kubeVersion:.*\\n", ""));
        if (values != null) {
            Files.writeString(copy.resolve("values.yaml"), values);
        }
        copy.toFile().deleteOnExit();
        return copy;
    }

    static synchronized Path renderableChart() throws IOException {
        if (renderable == null) {
            renderable = renderableChart(null);
        }
        return renderable;
    }

    /** {@code helm template} of the chart with these values (YAML), as release {@code release} in {@code namespace}. */
    static String template(String release, String namespace, String values) throws IOException {
        var template = new com.marcnuri.helm.Helm(renderableChart()).template().withName(release)
                .withNamespace(namespace);
        if (values != null && !values.isBlank()) {
            Path file = Files.createTempFile("rss-values", ".yaml");
            Files.writeString(file, values);
            file.toFile().deleteOnExit();
            template.withValuesFile(file);
        }
        return template.call();
    }

    static List<PolicyRule> generatedRules() throws IOException {
        List<PolicyRule> rules = new ArrayList<>();
        for (HasMetadata r : GeneratedManifests.operatorResources()) {
            if (r instanceof ClusterRole role) {
                rules.addAll(role.getRules());
            }
        }
        if (rules.isEmpty()) {
            throw new IllegalStateException("no ClusterRole in " + GeneratedManifests.DIR + ": run mvn package first");
        }
        return rules;
    }

    static String toYaml(List<PolicyRule> rules) {
        StringBuilder out = new StringBuilder();
        for (PolicyRule rule : rules) {
            out.append("- apiGroups:\n");
            list(out, rule.getApiGroups());
            out.append("  resources:\n");
            list(out, rule.getResources());
            if (rule.getResourceNames() != null && !rule.getResourceNames().isEmpty()) {
                out.append("  resourceNames:\n");
                list(out, rule.getResourceNames());
            }
            out.append("  verbs:\n");
            list(out, rule.getVerbs());
        }
        return out.toString();
    }

    private static void list(StringBuilder out, List<String> values) {
        for (String v : values) {
            out.append("    - \"").append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
    }
}
