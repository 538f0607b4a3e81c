package org.clusterlabs.rss.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alert rules, checked by Prometheus' own tool: {@code promtool check rules}, and {@code promtool test rules}
 * with a unit test per alert (monitoring/prometheus/rss-operator-rules.test.yaml). Each alert also has a runbook
 * in docs/operations.md. The live check against a scraped operator is {@link MonitoringLiveIT}.
 */
@Timeout(120)
class PrometheusRulesTest {

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Tools.Result r = Tools.run(Path.of("."), Duration.ofSeconds(60),
                List.of("promtool", "check", "rules", MonitoringFiles.RULES.toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: " + MonitoringFiles.alerts().size() + " rules found");
    }

    @Test
    void everyAlertPassesItsPromtoolUnitTests() throws Exception {
        Tools.Result r = Tools.run(MonitoringFiles.RULE_TESTS.getParent(), Duration.ofSeconds(60),
                List.of("promtool", "test", "rules", MonitoringFiles.RULE_TESTS.getFileName().toString()));
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertHasAUnitTestThatFiresItAndOneThatDoesNot() throws Exception {
        JsonNode tests = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(MonitoringFiles.RULE_TESTS.toFile()).path("tests");
        for (String alert : MonitoringFiles.alerts().keySet()) {
            boolean fires = false;
            boolean silent = false;
            for (JsonNode test : tests) {
                for (JsonNode a : test.path("alert_rule_test")) {
                    if (alert.equals(a.path("alertname").asText())) {
                        fires |= a.path("exp_alerts").size() > 0;
                        silent |= a.path("exp_alerts").size() == 0;
                    }
                }
            }
            assertThat(fires).as(alert + " has a unit test where it fires").isTrue();
            assertThat(silent).as(alert + " has a unit test where it stays silent").isTrue();
        }
    }

    @Test
    void everyAlertHasARunbookAndASeverity() throws Exception {
        String operations = MonitoringFiles.read(MonitoringFiles.OPERATIONS);
        for (Map.Entry<String, JsonNode> e : MonitoringFiles.alerts().entrySet()) {
            String alert = e.getKey();
            assertThat(e.getValue().path("labels").path("severity").asText()).as(alert)
                    .isIn("critical", "warning");
            assertThat(e.getValue().path("annotations").path("runbook_url").asText()).as(alert)
                    .isEqualTo("docs/operations.md#" + alert.toLowerCase());
            assertThat(operations).as("docs/operations.md has a runbook section for " + alert)
                    .contains("### " + alert + "\n");
        }
    }
}
