package org.clusterlabs.rss.manifests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code make release-manifests}: the one-file install for {@code kubectl apply --server-side -f}, rendered from the
 * committed chart with its defaults (release {@value #RELEASE} in namespace {@value #NAMESPACE}), so that the file,
 * the chart and their tests never disagree. The ServiceMonitor is a separate, opt-in file: it needs the Prometheus
 * Operator's CRDs.
 */
public final class ReleaseManifests {

    static final String RELEASE = "rss-operator";
    static final String NAMESPACE = "rss-system";
    static final Path OUT = Path.of("target", "release");
    static final Path INSTALL = OUT.resolve("rss-operator.yaml");
    static final Path SERVICE_MONITOR = OUT.resolve("rss-operator-servicemonitor.yaml");

    private ReleaseManifests() {
    }

    public static void main(String[] args) throws IOException {
        write();
        System.out.println("  " + INSTALL + "\n  " + SERVICE_MONITOR);
    }

    static void write() throws IOException {
        Files.createDirectories(OUT);
        Files.writeString(INSTALL, install());
        Files.writeString(SERVICE_MONITOR, serviceMonitor());
    }

    public static String install() throws IOException {
        StringBuilder out = new StringBuilder();
        out.append("# rss-operator ").append(chartAppVersion()).append(": install with\n")
                .append("#   kubectl apply --server-side -f rss-operator.yaml\n")
                .append("# (namespace ").append(NAMESPACE).append(", the CRD, RBAC for every namespace, the operator). ")
                .append("Rendered from helm/rss-operator by `make release-manifests`.\n")
                .append("---\n")
                .append("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ").append(NAMESPACE).append("\n")
                .append("  labels:\n    pod-security.kubernetes.io/enforce: restricted\n");
        String crd = Files.readString(ChartSync.CHART.resolve("files/crds").resolve(ChartSync.CRD_FILE));
        out.append(crd.startsWith("---") ? "" : "---\n").append(crd);
        if (!crd.endsWith("\n")) {
            out.append('\n');
        }
        // the CRD is written above as the build generates it, without the chart's Helm annotation
        for (String doc : documents(ChartSync.template(RELEASE, NAMESPACE, "crds:\n  install: false\n"))) {
            out.append("---\n").append(doc);
        }
        return out.toString();
    }

    static String serviceMonitor() throws IOException {
        StringBuilder out = new StringBuilder("# Optional: a ServiceMonitor for the Prometheus Operator (its CRDs must be installed).\n");
        for (String doc : documents(ChartSync.template(RELEASE, NAMESPACE, "serviceMonitor:\n  enabled: true\n"))) {
            if (doc.contains("\nkind: ServiceMonitor\n")) {
                out.append("---\n").append(doc);
            }
        }
        return out.toString();
    }

    /** Splits a rendered multi-document YAML into its non-empty documents (each ending in a newline). */
    static List<String> documents(String yaml) {
        List<String> docs = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            String trimmed = doc.strip();
            boolean onlyComments = trimmed.lines().allMatch(l -> l.isBlank() || l.startsWith("#"));
            if (!onlyComments) {
                docs.add(trimmed + "\n");
            }
        }
        return docs;
    }

    static String chartAppVersion() throws IOException {
        return Files.readAllLines(ChartSync.CHART.resolve("Chart.yaml")).stream()
                .filter(l -> l.startsWith("appVersion:")).map(l -> l.substring("appVersion:".length()).strip())
                .findFirst().orElseThrow();
    }
}
