package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.junit.jupiter.api.Test;

/**
 * Tier 2, with the packaged operator (prod profile, where leader election is on) in two JVMs: only the holder of
 * the Lease runs hooks; when it dies without releasing the Lease, the standby takes over once the Lease expires.
 */
class LeaderElectionIT {

    private static final String LEASE = "rss-operator-leader";
    private static final Map<String, String> SHORT_LEASE = Map.of(
            "RSS_LEADER_ELECTION_LEASE_DURATION", "4s",
            "RSS_LEADER_ELECTION_RENEW_DEADLINE", "3s",
            "RSS_LEADER_ELECTION_RETRY_PERIOD", "500ms");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @Test
    void onlyTheLeaseHolderRunsHooksAndTheStandbyTakesOverWhenTheLeaderDies() throws Exception {
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true));
                OperatorProcess a = OperatorProcess.start(sim, "operator-a", SHORT_LEASE)) {
            a.awaitReady(STARTUP);
            LiveCluster c = new LiveCluster(sim, "election", "db").create(3, r -> r);
            c.awaitRunning(3);
            assertThat(holder(sim)).isEqualTo("operator-a");

            try (OperatorProcess b = OperatorProcess.start(sim, "operator-b", SHORT_LEASE)) {
                b.awaitReady(STARTUP);
                // Longer than a Lease: a standby that ignored the Lease would have checked every copy by now.
                Thread.sleep(Duration.ofSeconds(6).toMillis());
                assertThat(holder(sim)).isEqualTo("operator-a");
                assertThat(hookExecutions(b)).as("the standby runs no hook").isZero();
                assertThat(hookExecutions(a)).as("the leader checks the copies").isPositive();

                a.kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> "operator-b".equals(holder(sim)));
                c.edit(r -> {
                    r.getSpec().setReplicas(4);
                    return r;
                });
                c.awaitRunning(4);
                assertThat(hookExecutions(b)).as("the new leader acts").isPositive();
                assertThat(c.lost()).isEmpty();
            }
        }
    }

    @Test
    void aSigtermEndsTheLeaderWithinSecondsAndHandsTheLeaseOverAtOnce() throws Exception {
        Map<String, String> longLease = Map.of("RSS_LEADER_ELECTION_LEASE_DURATION", "60s",
                "RSS_LEADER_ELECTION_RENEW_DEADLINE", "40s", "RSS_LEADER_ELECTION_RETRY_PERIOD", "500ms");
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true));
                OperatorProcess a = OperatorProcess.start(sim, "operator-a", longLease)) {
            a.awaitReady(STARTUP);
            LiveCluster c = new LiveCluster(sim, "sigterm", "db").create(3, r -> r);
            c.awaitRunning(3);
            try (OperatorProcess b = OperatorProcess.start(sim, "operator-b", longLease)) {
                b.awaitReady(STARTUP);
                long t0 = System.nanoTime();
                a.terminate();
                assertThat(a.awaitExit(Duration.ofSeconds(10))).as("the leader exits on SIGTERM").isTrue();
                long exitedMs = (System.nanoTime() - t0) / 1_000_000;
                // a Lease of 60 s that was not given back would keep operator-b waiting for a minute
                await().atMost(Duration.ofSeconds(15)).until(() -> "operator-b".equals(holder(sim)));
                long handedOverMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("[figures] SIGTERM: leader exited after %d ms, Lease held by the standby after %d ms%n",
                        exitedMs, handedOverMs);
                c.edit(r -> {
                    r.getSpec().setReplicas(4);
                    return r;
                });
                c.awaitRunning(4);
                assertThat(c.lost()).isEmpty();
            }
        }
    }

    private static String holder(SimulatedCluster sim) {
        Lease lease = sim.client().resources(Lease.class).inNamespace("default").withName(LEASE).get();
        return lease == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** The operator's own count of hook runs, from its Prometheus endpoint. */
    private static double hookExecutions(OperatorProcess operator) throws IOException, InterruptedException {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + operator.port() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("rss_hook_executions_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
