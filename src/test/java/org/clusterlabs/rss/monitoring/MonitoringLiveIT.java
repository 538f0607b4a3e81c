package org.clusterlabs.rss.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.DemoApp;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tier 2, live: a real Prometheus (Debian's, on loopback, its own config and data directory) scrapes the packaged
 * operator (prod profile: leader election on) every second while it runs the demo app through a lights-out in
 * which one copy's sequence hook hangs past its timeout, so the recovery waits for it; then the copy is let go and
 * the recovery completes.
 * <ul>
 * <li>Prometheus loads a test copy of monitoring/prometheus/rss-operator-rules.yaml in which every {@code for:} is
 * 3s and RssRecoveryStuck's 30 minutes are 10 seconds (nothing else changes), so alerts meant for tens of minutes
 * can be seen in a test of one.</li>
 * <li>While the resource is healthy no alert of it is pending or firing; while the copy hangs, RssRecoveryStuck is
 * pending or firing (and so are the waiting-for-members and hook-failure alerts).</li>
 * <li>Every PromQL expression of the dashboard (template variables set to this resource) returns data; every rule's
 * expression evaluates without error, and every vector selector in it returns data. A metric renamed or missing in
 * the operator fails this test.</li>
 * <li>Deleting the resource removes its series from /q/metrics.</li>
 * </ul>
 * It leaves in target/monitoring-live/ the Prometheus data (series.json, for docs/images/dashboard.png through
 * monitoring/render-dashboard.py) and kubectl's output during the recovery.
 */
class MonitoringLiveIT {

    private static final String NS = "shop";
    private static final String NAME = "db";
    private static final Path WORK = Path.of("target/monitoring-live");
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final Map<String, String> OPERATOR_ENV = Map.of(
            "RSS_LEADER_ELECTION_LEASE_DURATION", "4s",
            "RSS_LEADER_ELECTION_RENEW_DEADLINE", "3s",
            "RSS_LEADER_ELECTION_RETRY_PERIOD", "500ms",
            "QUARKUS_OPERATOR_SDK_CONTROLLERS_REPLICATEDSTATEFULSET_NAMESPACES", "shop");
    /** The sequence hook: the demo's, behind a wrapper that hangs while the pod's MON_SEQUENCE_HANG is set. */
    private static final String SEQUENCE_WRAPPER = """
            #!/bin/sh
            [ -z "${MON_SEQUENCE_HANG:-}" ] || sleep "$MON_SEQUENCE_HANG"
            exec %s/sequence "$@"
            """;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @Timeout(600)
    void aRealPrometheusScrapesTheOperatorThroughALightsOutAndEveryDashboardAndRuleExpressionHasData()
            throws Exception {
        Tools.require("prometheus");
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true));
                OperatorProcess operator = OperatorProcess.start(sim, "operator-live", OPERATOR_ENV)) {
            operator.awaitReady(Duration.ofSeconds(90));
            Path rules = WORK.resolve("rules.yaml").toAbsolutePath();
            Files.writeString(rules, shortFor(Files.readString(MonitoringFiles.RULES)));
            String config = """
                    global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms}
                    rule_files: ['%s']
                    scrape_configs:
                      - job_name: rss-operator
                        metrics_path: /q/metrics
                        # As in Kubernetes (namespace/pod target labels): the operator's own namespace label must
                        # not overwrite the resources' (see docs/operations.md, honorLabels).
                        honor_labels: true
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                            labels: {namespace: rss-system, pod: rss-operator-0}
                    """.formatted(rules, operator.port());
            try (PrometheusServer prom = PrometheusServer.start(WORK.resolve("prometheus"), config,
                    Duration.ofSeconds(60))) {
                run(sim, operator, prom);
            } finally {
                Files.copy(operator.log(), WORK.resolve("operator.log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private void run(SimulatedCluster sim, OperatorProcess operator, PrometheusServer prom) throws Exception {
        await().atMost(PATIENCE).until(() -> "up".equals(prom.targets().path(0).path("health").asText()));
        long started = System.currentTimeMillis() / 1000;

        // --- a healthy resource: Running, no alert about it ---
        Path wrapperDir = WORK.resolve("monhooks").toAbsolutePath();
        Files.createDirectories(wrapperDir);
        Path wrapper = wrapperDir.resolve("sequence");
        Files.writeString(wrapper, SEQUENCE_WRAPPER.formatted(DemoApp.hooksDir()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        DemoApp.install(sim);
        sim.mount("/monhooks", wrapperDir);
        ReplicatedStatefulSet rss = RssFixtures.valid(NS, NAME, 3);
        rss.getSpec().getHooks().getStatus().setPeriod("1s");
        rss.getSpec().getHooks().setSequence(new HookSpec(new ArrayList<>(List.of("/monhooks/sequence")), "2s"));
        sim.client().resource(rss).create();
        awaitStatus(sim, s -> s.getPhase() == Phase.Running && Integer.valueOf(3).equals(s.getReadyReplicas()));
        await("no alert about the healthy resource").atMost(PATIENCE).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(alertsOf(prom)).as("active alerts").isEmpty());
        Files.writeString(WORK.resolve("metrics-healthy.txt"), scrape(operator));
        assertThat(value(prom, "rss_leader")).as("the only operator leads (leader-election callback)").isEqualTo(1);
        assertThat(prom.query("rss_operator_info{leader_election=\"true\",watch_namespaces=\"shop\"}"))
                .as("the info metric names the real watch scope").hasSize(1);
        assertThat(value(prom, "rss_phase{namespace=\"shop\",name=\"db\",phase=\"Running\"}")).isEqualTo(1);
        assertThat(value(prom, "sum(rss_phase{namespace=\"shop\",name=\"db\"})")).isEqualTo(1);

        // --- lights-out; db-2's sequence hook hangs past its 2s timeout: the recovery waits for it ---
        edit(sim, r -> {
            r.getSpec().setPaused(true);
            return r;
        });
        awaitStatus(sim, s -> s.getPhase() == Phase.Paused);
        long epochBefore = status(sim).getEpoch();
        sim.setPodEnv(NS, "db-2", "MON_SEQUENCE_HANG", "20");
        // each copy dies between two of the demo's writes: a kill mid-write can leave copies whose histories
        // diverged, and then one refuses to rejoin (right for the app, but the run would depend on luck)
        for (String pod : List.of("db-0", "db-1", "db-2")) {
            DemoApp.killBetweenWrites(sim, NS, NAME, pod);
        }
        sim.cutPower(NS, NAME);
        sim.awaitPods(NS, NAME, 3, PATIENCE);
        sim.setPodEnv(NS, "db-2", "MON_SEQUENCE_HANG", "20");
        edit(sim, r -> {
            r.getSpec().setPaused(false);
            return r;
        });
        awaitStatus(sim, s -> s.getPhase() == Phase.Recovering && s.getRecoveryStartedAt() != null);
        Map<String, String> states = new LinkedHashMap<>();
        await("RssRecoveryStuck pending or firing while db-2 never reports").atMost(PATIENCE)
                .pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                    states.clear();
                    states.putAll(alertsOf(prom));
                    assertThat(states).containsKey("RssRecoveryStuck");
                    assertThat(states).containsKey("RssWaitingForMembers");
                });
        Files.writeString(WORK.resolve("kubectl-during-recovery.txt"), KubectlView.get(sim, NS, NAME) + "\n"
                + KubectlView.describe(sim, NS, NAME));
        await("RssHookFailures for the timed-out sequence hook").atMost(PATIENCE)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(alertsOf(prom)).containsKey("RssHookFailures"));
        assertThat(status(sim).getEpoch()).as("no seed while db-2's sequence is unknown").isEqualTo(epochBefore);
        assertThat(value(prom, "rss_waiting_members{namespace=\"shop\",name=\"db\"}")).isGreaterThanOrEqualTo(1);
        Files.writeString(WORK.resolve("alerts-during-recovery.txt"), states.toString() + "\n");

        // --- db-2 reports again: the recovery completes ---
        sim.clearPodEnv(NS, "db-2", "MON_SEQUENCE_HANG");
        awaitStatus(sim, s -> s.getPhase() == Phase.Running && s.getEpoch() != null && s.getEpoch() > epochBefore
                && Integer.valueOf(3).equals(s.getReadyReplicas()));
        await("the recovery is counted").atMost(PATIENCE).pollInterval(Duration.ofSeconds(1)).until(() ->
                !prom.query("rss_recoveries_total{namespace=\"shop\",name=\"db\",outcome=\"succeeded\"}").isEmpty());
        Thread.sleep(3000); // a few more scrapes of the steady state
        assertThat(value(prom, "rss_seed_sequence{namespace=\"shop\",name=\"db\"}"))
                .isEqualTo((double) status(sim).getSeed().getSequence());

        // --- every expression of the dashboard and of the rules, through the HTTP API ---
        // The dashboard is a view over time: each of its expressions must return data over the run (a range
        // query), e.g. "recovery running for" exists only during the recovery. The rules' expressions are
        // evaluated now (no error), and each of their vector selectors must have had data over the run.
        Files.writeString(WORK.resolve("metrics.txt"), scrape(operator));
        long now = System.currentTimeMillis() / 1000;
        List<String> problems = new ArrayList<>();
        Map<String, String> dashboard = MonitoringFiles.dashboardExpressions();
        assertThat(dashboard).hasSizeGreaterThan(10);
        for (Map.Entry<String, String> e : dashboard.entrySet()) {
            String promql = grafana(e.getValue());
            if (prom.queryRange(promql, started, now, 1).isEmpty()) {
                problems.add("dashboard panel " + e.getKey() + ": no data for " + promql);
            }
            checkSelectors("dashboard panel " + e.getKey(), promql, prom, started, now, problems);
        }
        for (Map.Entry<String, String> e : MonitoringFiles.dashboardVariables().entrySet()) {
            String metric = e.getValue().replaceAll("label_values\\(([^,]*),.*", "$1").trim();
            if (prom.query(grafana(metric)).isEmpty()) {
                problems.add("dashboard variable " + e.getKey() + ": no data for " + metric);
            }
        }
        for (Map.Entry<String, JsonNode> e : MonitoringFiles.alerts().entrySet()) {
            String expr = e.getValue().path("expr").asText();
            prom.query(expr); // throws on an error
            checkSelectors("alert " + e.getKey(), expr, prom, started, now, problems);
        }
        for (JsonNode group : prom.rules()) {
            for (JsonNode rule : group.path("rules")) {
                if (!"ok".equals(rule.path("health").asText())) {
                    problems.add("rule " + rule.path("name").asText() + " health " + rule.path("health").asText()
                            + ": " + rule.path("lastError").asText());
                }
            }
        }
        assertThat(problems).as("expressions without data").isEmpty();

        long ended = System.currentTimeMillis() / 1000;
        SeriesExport.write(prom, WORK.resolve("series.json"), started, ended);

        // --- deleting the resource removes its series ---
        sim.client().resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).delete();
        sim.podsOf(NS, NAME).forEach(p -> sim.killPodProcesses(NS, p.getMetadata().getName()));
        await("the deleted resource's series are gone").atMost(PATIENCE).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(scrape(operator).lines()
                        .filter(l -> l.startsWith("rss_") && l.contains("namespace=\"shop\"")))
                        .as("series of the deleted resource").isEmpty());
    }

    /**
     * Every vector selector of the expression had data during the run: its metric, and each of its label matchers
     * on its own (Grafana variables set). The only exception is a metric that exists only once what it counts has
     * happened (see {@link #ONLY_AFTER_A_FAILURE}); its name is checked against JOSDK's own definition instead.
     */
    private static void checkSelectors(String where, String promql, PrometheusServer prom, long start, long end,
            List<String> problems) throws IOException, InterruptedException {
        for (String selector : MonitoringFiles.selectors(promql)) {
            for (String part : MonitoringFiles.parts(selector)) {
                String metric = part.replaceAll("\\{.*", "");
                if (ONLY_AFTER_A_FAILURE.containsKey(metric)) {
                    if (!ONLY_AFTER_A_FAILURE.get(metric).equals(josdkName(metric))) {
                        problems.add(where + ": JOSDK no longer names " + metric);
                    }
                    continue;
                }
                if (prom.queryRange(part, start, end, 1).isEmpty()) {
                    problems.add(where + ": no series for " + part + " (in " + selector + ")");
                }
            }
        }
    }

    /**
     * JOSDK registers its failure counter at the first failed reconcile, which the kit cannot cause (its API
     * server has no fault injection). Prometheus name to the JOSDK constants it is built from.
     */
    private static final Map<String, String> ONLY_AFTER_A_FAILURE = Map.of(
            "operator_sdk_reconciliations_failed_total", "operator.sdk.+reconciliations.failed");

    private static String josdkName(String metric) {
        try {
            Class<?> c = Class.forName("io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics");
            java.lang.reflect.Field prefix = c.getDeclaredField("PREFIX");
            java.lang.reflect.Field failed = c.getDeclaredField("RECONCILIATIONS_FAILED");
            prefix.setAccessible(true);
            failed.setAccessible(true);
            return prefix.get(null) + "+" + failed.get(null);
        } catch (ReflectiveOperationException e) {
            return "not found: " + e;
        }
    }

    /** The active alerts about this resource (or about no resource: operator-wide ones), name to state. */
    private static Map<String, String> alertsOf(PrometheusServer prom) throws IOException, InterruptedException {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode a : prom.alerts()) {
            JsonNode labels = a.path("labels");
            String ns = labels.path("namespace").asText("");
            if (ns.isEmpty() || ns.equals(NS)) {
                out.put(labels.path("alertname").asText(), a.path("state").asText());
            }
        }
        return out;
    }

    private static double value(PrometheusServer prom, String promql) throws IOException, InterruptedException {
        JsonNode r = prom.query(promql);
        assertThat(r).as(promql).hasSize(1);
        return Double.parseDouble(r.path(0).path("value").path(1).asText());
    }

    /** Grafana's variables as this test's resource, and its interval variables as fixed ranges. */
    static String grafana(String expr) {
        return expr.replace("$namespace", NS).replace("${namespace}", NS)
                .replace("$name", NAME).replace("${name}", NAME)
                .replace("$__rate_interval", "30s").replace("$__interval", "5s").replace("$__range", "10m");
    }

    /**
     * The test copy of the rules: every `for:` becomes 3s, and RssRecoveryStuck's 30 minutes (measured from the
     * recovery's start, not by `for:`) become 10 seconds; nothing else changes.
     */
    static String shortFor(String rules) {
        String out = rules.replaceAll("(?m)^(\\s+for: ).*$", "$13s");
        String stuck = "(time() - rss_recovery_started_timestamp_seconds) > 30 * 60";
        assertThat(out).contains(stuck);
        out = out.replace(stuck, "(time() - rss_recovery_started_timestamp_seconds) > 10");
        assertThat(out).isNotEqualTo(rules);
        return out;
    }

    private String scrape(OperatorProcess operator) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.port() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static ReplicatedStatefulSetStatus status(SimulatedCluster sim) {
        ReplicatedStatefulSet r = sim.client().resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME)
                .get();
        return r == null || r.getStatus() == null ? new ReplicatedStatefulSetStatus() : r.getStatus();
    }

    private static void awaitStatus(SimulatedCluster sim,
            java.util.function.Predicate<ReplicatedStatefulSetStatus> condition) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(
                condition.test(status(sim))).as(() -> io.fabric8.kubernetes.client.utils.Serialization.asJson(
                        status(sim))).isTrue());
    }

    private static void edit(SimulatedCluster sim, UnaryOperator<ReplicatedStatefulSet> change) {
        await().atMost(PATIENCE).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
            sim.client().resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).edit(change);
            return true;
        });
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            Set<Path> all = new TreeSet<>(java.util.Comparator.reverseOrder());
            paths.forEach(all::add);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
