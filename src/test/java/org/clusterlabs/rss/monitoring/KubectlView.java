package org.clusterlabs.rss.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.testkit.SimulatedCluster;

/**
 * What {@code kubectl get rss} and {@code kubectl describe rss} show, rendered from the resource and its Events as
 * read from the simulated API server. kubectl itself cannot be pointed at the in-memory server (it has no API
 * discovery, so kubectl knows no resource type "rss", and it serves no server-side Table with the CRD's printer
 * columns), so the columns come from the generated CRD's additionalPrinterColumns, as the API server would use them.
 */
final class KubectlView {

    private static final Path CRD = Path.of(SimulatedCluster.CRD_FILE);

    private KubectlView() {
    }

    static String get(SimulatedCluster sim, String ns, String name) throws IOException {
        ReplicatedStatefulSet rss = sim.client().resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name)
                .get();
        JsonNode obj = new ObjectMapper().valueToTree(rss);
        List<String> headers = new ArrayList<>(List.of("NAME"));
        List<String> values = new ArrayList<>(List.of(name));
        JsonNode columns = new YAMLMapper().readTree(CRD.toFile()).path("spec").path("versions").path(0)
                .path("additionalPrinterColumns");
        for (JsonNode c : columns) {
            headers.add(c.path("name").asText().toUpperCase());
            JsonNode v = obj;
            for (String part : c.path("jsonPath").asText().substring(1).split("\\.")) {
                v = v.path(part);
            }
            String text = v.isMissingNode() || v.isNull() ? "" : v.asText();
            if ("date".equals(c.path("type").asText()) && !text.isEmpty()) {
                text = age(Duration.between(Instant.parse(text), Instant.now()));
            }
            values.add(text);
        }
        return "$ kubectl get rss -n " + ns + "\n" + table(List.of(headers, values));
    }

    static String describe(SimulatedCluster sim, String ns, String name) throws IOException {
        ReplicatedStatefulSet rss = sim.client().resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name)
                .get();
        JsonNode status = new ObjectMapper().valueToTree(rss.getStatus());
        StringBuilder b = new StringBuilder("$ kubectl describe rss " + name + " -n " + ns + "\n");
        b.append("Name:         ").append(name).append('\n');
        b.append("Namespace:    ").append(ns).append('\n');
        b.append("API Version:  ").append(rss.getApiVersion()).append('\n');
        b.append("Kind:         ").append(rss.getKind()).append('\n');
        b.append("Spec:\n  Replicas:  ").append(rss.getSpec().getReplicas()).append("\n  Paused:    ")
                .append(rss.getSpec().isPaused()).append("\n");
        b.append("Status:\n");
        String yaml = new YAMLMapper().writeValueAsString(status).replaceFirst("^---\\n", "");
        yaml.lines().forEach(l -> b.append("  ").append(l).append('\n'));
        b.append("Events:\n");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("  Type", "Reason", "Age", "From", "Message"));
        rows.add(List.of("  ----", "------", "----", "----", "-------"));
        sim.client().v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .sorted(Comparator.comparing(KubectlView::time))
                .forEach(e -> rows.add(List.of("  " + e.getType(), e.getReason(),
                        age(Duration.between(time(e), Instant.now())),
                        e.getSource() == null || e.getSource().getComponent() == null ? "" : e.getSource()
                                .getComponent(),
                        e.getMessage())));
        b.append(table(rows));
        return b.toString();
    }

    private static Instant time(Event e) {
        String t = e.getLastTimestamp() != null ? e.getLastTimestamp()
                : e.getEventTime() != null ? e.getEventTime().getTime()
                : e.getMetadata().getCreationTimestamp();
        try {
            return t == null ? Instant.EPOCH : Instant.parse(t);
        } catch (RuntimeException ex) {
            return Instant.EPOCH;
        }
    }

    private static String age(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s < 120 ? s + "s" : s / 60 + "m" + (s % 60) + "s";
    }

    private static String table(List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                line.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (width[i] + 3) + "s", r.get(i)));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }
}
