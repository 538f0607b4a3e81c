package org.clusterlabs.rss.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The committed monitoring files and the PromQL expressions in them. */
final class MonitoringFiles {

    static final Path RULES = Path.of("monitoring/prometheus/rss-operator-rules.yaml");
    static final Path RULE_TESTS = Path.of("monitoring/prometheus/rss-operator-rules.test.yaml");
    static final Path DASHBOARD = Path.of("monitoring/grafana/rss-operator.json");
    static final Path OPERATIONS = Path.of("docs/operations.md");

    /** Metric names: ours, JOSDK's, the JVM's and Prometheus' own {@code up}. */
    private static final Pattern METRIC = Pattern.compile(
            "\\b((?:rss|operator_sdk|jvm|process)_[a-zA-Z0-9_]+|up)\\b(\\{[^}]*})?");

    private MonitoringFiles() {
    }

    /** Alert name to its rule (expr, for, labels, annotations). */
    static Map<String, JsonNode> alerts() throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.put(rule.path("alert").asText(rule.path("record").asText()), rule);
            }
        }
        return out;
    }

    /** Panel title (with the target's refId) to expression, for every target of every panel. */
    static Map<String, String> dashboardExpressions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(p -> {
            panels.add(p);
            p.path("panels").forEach(panels::add);
        });
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    out.put(panel.path("title").asText() + " [" + target.path("refId").asText() + "]",
                            target.path("expr").asText());
                }
            }
        }
        return out;
    }

    /** The template variables' queries (label_values(...)). */
    static Map<String, String> dashboardVariables() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode v : new ObjectMapper().readTree(DASHBOARD.toFile()).path("templating").path("list")) {
            JsonNode q = v.path("query");
            String text = q.isObject() ? q.path("query").asText() : q.asText();
            if ("query".equals(v.path("type").asText())) {
                out.put(v.path("name").asText(), text);
            }
        }
        return out;
    }

    /** Every vector selector in an expression ({@code name} or {@code name{matchers}}), in order, once each. */
    static Set<String> selectors(String promql) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = METRIC.matcher(promql.replaceAll("(?s)by \\([^)]*\\)|on \\([^)]*\\)|without \\([^)]*\\)", ""));
        while (m.find()) {
            out.add(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
        }
        return out;
    }

    /**
     * The queries that show a selector's metric and each of its label matchers on their own: {@code name}, then
     * {@code name{m}} for each matcher m. (The whole selector may rightly match nothing in a run, e.g. a
     * non-status hook that exited non-zero; each part must match something, or a label or value was renamed.)
     */
    static List<String> parts(String selector) {
        List<String> out = new ArrayList<>();
        int brace = selector.indexOf('{');
        if (brace < 0) {
            out.add(selector);
            return out;
        }
        String name = selector.substring(0, brace);
        out.add(name);
        String body = selector.substring(brace + 1, selector.length() - 1);
        Matcher m = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\")\\s*,?")
                .matcher(body);
        while (m.find()) {
            out.add(name + "{" + m.group(1) + m.group(2) + m.group(3) + "}");
        }
        return out;
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }
}
