package org.clusterlabs.rss.manifests;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finishes the OLM bundle that the QOSDK bundle generator wrote (target/bundle/rss-operator) with what QOSDK 7.2
 * cannot express through {@code @CSVMetadata} (see {@code org.clusterlabs.rss.olm.RssOperatorCsvMetadata}):
 * <ul>
 * <li>the operator's rules split by scope: QOSDK puts every rule of the operator's ClusterRole in
 * {@code clusterPermissions}, which OLM grants cluster-wide whatever the install mode. Here only the rules on nodes
 * stay there; the rest go to {@code permissions}, which OLM grants in each target namespace (OwnNamespace,
 * SingleNamespace, MultiNamespace) or cluster-wide (AllNamespaces), like the chart's watch scopes;</li>
 * <li>the owned CRD's displayName, description, and spec and status descriptors;</li>
 * <li>{@code alm-examples} read from examples/ (every {@code examples/*&#47;rss.yaml}).</li>
 * </ul>
 * Idempotent: running it twice gives the same CSV. {@code make bundle} runs it, then the operator framework's
 * validator; OlmBundleIT does the same.
 */
public final class BundleFinisher {

    static final Path BUNDLE = Path.of("target", "bundle", "rss-operator");
    static final Path CSV = BUNDLE.resolve("manifests").resolve("rss-operator.clusterserviceversion.yaml");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));
    private static final ObjectMapper JSON = new ObjectMapper();

    private BundleFinisher() {
    }

    public static void main(String[] args) throws IOException {
        finish();
        System.out.println("  finished " + CSV);
    }

    @SuppressWarnings("unchecked")
    static void finish() throws IOException {
        Map<String, Object> csv = YAML.readValue(CSV.toFile(), LinkedHashMap.class);
        Map<String, Object> spec = map(csv, "spec");
        Map<String, Object> strategy = map(map(spec, "install"), "spec");
        splitPermissions(strategy);
        describeOwnedCrd(spec);
        Map<String, Object> annotations = map(map(csv, "metadata"), "annotations");
        annotations.put("alm-examples", almExamples());
        Files.writeString(CSV, YAML.writeValueAsString(csv));
    }

    @SuppressWarnings("unchecked")
    private static void splitPermissions(Map<String, Object> strategy) {
        List<Map<String, Object>> clusterPermissions = (List<Map<String, Object>>) strategy
                .getOrDefault("clusterPermissions", new ArrayList<>());
        List<Map<String, Object>> permissions = (List<Map<String, Object>>) strategy
                .computeIfAbsent("permissions", k -> new ArrayList<>());
        for (Map<String, Object> entry : clusterPermissions) {
            String account = (String) entry.get("serviceAccountName");
            List<Map<String, Object>> keep = new ArrayList<>();
            List<Map<String, Object>> move = new ArrayList<>();
            for (Map<String, Object> rule : (List<Map<String, Object>>) entry.get("rules")) {
                PolicyRule policy = JSON.convertValue(rule, PolicyRule.class);
                (ChartSync.scopeOf(policy) == ChartSync.Scope.CLUSTER ? keep : move).add(rule);
            }
            entry.put("rules", keep);
            if (!move.isEmpty()) {
                Map<String, Object> target = permissions.stream().filter(p -> account.equals(p.get("serviceAccountName")))
                        .findFirst().orElseGet(() -> {
                            Map<String, Object> p = new LinkedHashMap<>();
                            p.put("serviceAccountName", account);
                            p.put("rules", new ArrayList<>());
                            permissions.add(p);
                            return p;
                        });
                ((List<Map<String, Object>>) target.get("rules")).addAll(move);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void describeOwnedCrd(Map<String, Object> spec) {
        Map<String, Object> crds = map(spec, "customresourcedefinitions");
        for (Map<String, Object> owned : (List<Map<String, Object>>) crds.get("owned")) {
            if (!"ReplicatedStatefulSet".equals(owned.get("kind"))) {
                continue;
            }
            owned.put("displayName", "Replicated StatefulSet");
            owned.put("description", "A replicated stateful application whose copies the operator starts in the "
                    + "right order after a lights-out, through hooks it runs in the pods.");
            owned.put("resources", List.of(
                    resource("StatefulSet", "apps/v1"), resource("Service", "v1"), resource("Pod", "v1")));
            owned.put("specDescriptors", List.of(
                    descriptor("replicas", "Replicas", "Number of copies of the application.",
                            "urn:alm:descriptor:com.tectonic.ui:podCount"),
                    descriptor("primaries", "Primaries", "How many copies run as primaries (default: replicas).",
                            "urn:alm:descriptor:com.tectonic.ui:number"),
                    descriptor("paused", "Paused", "When true the operator only observes.",
                            "urn:alm:descriptor:com.tectonic.ui:booleanSwitch"),
                    descriptor("hooks", "Hooks", "Commands run in the copies to read, start, check and stop the app.",
                            "urn:alm:descriptor:com.tectonic.ui:advanced"),
                    descriptor("recovery", "Recovery", "How the operator recovers after every copy stopped.",
                            "urn:alm:descriptor:com.tectonic.ui:advanced")));
            owned.put("statusDescriptors", List.of(
                    descriptor("phase", "Phase", "Pending, Recovering, Seeding, Running, Degraded, Paused or Failed.",
                            "urn:alm:descriptor:io.kubernetes.phase"),
                    descriptor("conditions", "Conditions", "Ready, Recovering, Degraded and SpecValid.",
                            "urn:alm:descriptor:io.kubernetes.conditions"),
                    descriptor("readyReplicas", "Ready replicas", "Copies running in their wanted role.",
                            "urn:alm:descriptor:com.tectonic.ui:podCount"),
                    descriptor("epoch", "Recovery epoch", "Grows by one with every seed.",
                            "urn:alm:descriptor:text"),
                    descriptor("highWaterMark", "High-water mark", "The highest sequence ever elected.",
                            "urn:alm:descriptor:text")));
        }
    }

    private static Map<String, Object> resource(String kind, String version) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", kind);
        r.put("name", "");
        r.put("version", version);
        return r;
    }

    private static Map<String, Object> descriptor(String path, String name, String description, String xDescriptor) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", path);
        d.put("displayName", name);
        d.put("description", description);
        d.put("x-descriptors", List.of(xDescriptor));
        return d;
    }

    /** Every examples/<name>/rss.yaml, as the JSON array OLM shows as "create" templates. */
    static String almExamples() throws IOException {
        List<Object> examples = new ArrayList<>();
        try (var dirs = Files.list(Path.of("examples"))) {
            for (Path dir : dirs.sorted().toList()) {
                Path cr = dir.resolve("rss.yaml");
                if (Files.exists(cr)) {
                    examples.add(YAML.readValue(cr.toFile(), LinkedHashMap.class));
                }
            }
        }
        if (examples.isEmpty()) {
            throw new IllegalStateException("no examples/*/rss.yaml");
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(examples);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return (Map<String, Object>) parent.computeIfAbsent(key, k -> new LinkedHashMap<>());
    }
}
