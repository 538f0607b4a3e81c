package org.clusterlabs.rss.hooks;

import org.clusterlabs.rss.recovery.HookKind;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.Test;

/**
 * The hook runner as the operator gets it (CDI bean, the operator's own fabric8 client, its config mapping and its
 * Micrometer registry), against the simulated cluster; the metrics must appear on /q/metrics.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
class HookMetricsQuarkusTest {

    @Inject
    HookExecutor hooks;

    @Inject
    HooksConfig config;

    @KubernetesTestServer
    KubernetesMockServer server;

    @Test
    void hooksRunThroughTheOperatorsClientAndShowOnMetrics() throws Exception {
        SimulatedCluster cluster = SimulatedClusterResource.cluster();
        assertEquals(cluster.server(), server);
        cluster.createPod("mq", "m-0", "app");
        HookResult seq = hooks.run(new HookInvocation("mq", "m-0", "app", HookKind.SEQUENCE,
                List.of("sh", "-c", "echo 42"), Duration.ofSeconds(20), "mq/m")).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertEquals(new SequenceResult.Known(42), hooks.parseSequence(seq));
        HookResult st = hooks.run(new HookInvocation("mq", "m-0", "app", HookKind.STATUS,
                List.of("sh", "-c", "exit 7"), Duration.ofSeconds(20), "mq/m")).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        assertEquals(new HookOutcome.Exited(7), st.outcome());
        HookResult gone = hooks.run(new HookInvocation("mq", "nope-0", "app", HookKind.PRIMARY,
                List.of("true"), Duration.ofSeconds(20), "mq/m")).toCompletableFuture().get(60, TimeUnit.SECONDS);
        assertInstanceOf(HookOutcome.PodNotFound.class, gone.outcome());

        // Every hook series names its resource (namespace and name, from the invocation's owner key), and the
        // durations have buckets for hooks of 50 ms to 10 min.
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("rss_hook_executions_total{hook=\"sequence\",name=\"m\",namespace=\"mq\","
                        + "outcome=\"succeeded\"} 1.0"))
                .body(containsString("rss_hook_executions_total{hook=\"status\",name=\"m\",namespace=\"mq\","
                        + "outcome=\"exited\"} 1.0"))
                .body(containsString("rss_hook_executions_total{hook=\"primary\",name=\"m\",namespace=\"mq\","
                        + "outcome=\"pod_not_found\"} 1.0"))
                .body(containsString("rss_hook_duration_seconds_count{hook=\"sequence\",name=\"m\","
                        + "namespace=\"mq\",outcome=\"succeeded\"} 1"))
                .body(containsString("rss_hook_duration_seconds_sum{hook=\"status\",name=\"m\",namespace=\"mq\","
                        + "outcome=\"exited\"}"))
                .body(containsString("rss_hook_duration_seconds_bucket{hook=\"sequence\",name=\"m\","
                        + "namespace=\"mq\",outcome=\"succeeded\",le=\"0.05\"}"))
                .body(containsString("rss_hook_duration_seconds_bucket{hook=\"sequence\",name=\"m\","
                        + "namespace=\"mq\",outcome=\"succeeded\",le=\"600.0\"} 1"))
                .body(containsString("rss_hook_duration_seconds_bucket{hook=\"sequence\",name=\"m\","
                        + "namespace=\"mq\",outcome=\"succeeded\",le=\"+Inf\"} 1"));
    }

    @Test
    void limitsComeFromConfiguration() {
        assertEquals(128, config.maxConcurrent());
        assertEquals(65536, config.outputCapBytes());
    }
}
