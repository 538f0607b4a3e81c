package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.junit.jupiter.api.Test;

/**
 * Tier 2, with the packaged operator: the watch scope set as the README says (the Deployment's env var) confines the
 * operator to the listed namespaces; a resource elsewhere is left alone.
 */
class WatchScopeIT {

    @Test
    void anOperatorScopedToSomeNamespacesLeavesTheOthersAlone() throws Exception {
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true));
                OperatorProcess operator = OperatorProcess.start(sim, "scoped", Map.of(
                        "QUARKUS_OPERATOR_SDK_CONTROLLERS_REPLICATEDSTATEFULSET_NAMESPACES", "team-a,team-b"))) {
            operator.awaitReady(Duration.ofSeconds(60));
            LiveCluster outside = new LiveCluster(sim, "team-c", "db").create(1, r -> r);
            LiveCluster inside = new LiveCluster(sim, "team-b", "db").create(1, r -> r);

            inside.awaitRunning(1);
            var untouched = outside.status();
            assertThat(untouched.getPhase()).as("no status written outside the scope").isNull();
            assertThat(untouched.getObservedGeneration()).isNull();
            assertThat(untouched.getConditions()).isNullOrEmpty();
            assertThat(sim.client().v1().events().inNamespace("team-c").list().getItems()).isEmpty();
            assertThat(sim.client().apps().statefulSets().inNamespace("team-c").list().getItems())
                    .as("nothing created outside the scope").isEmpty();
        }
    }
}
