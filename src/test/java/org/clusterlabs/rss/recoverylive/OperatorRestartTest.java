package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.clusterlabs.rss.reconciler.ActionRunner;
import org.clusterlabs.rss.reconciler.HookCompletions;
import org.clusterlabs.rss.reconciler.HookLedgers;
import org.clusterlabs.rss.reconciler.OwnedResources;
import org.clusterlabs.rss.reconciler.PodActions;
import org.clusterlabs.rss.reconciler.ReplicatedStatefulSetReconciler;
import org.clusterlabs.rss.reconciler.RssEvents;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.Test;

/**
 * Tier 2: the operator process dies right after it recorded a seed; a new operator process, with none of the first
 * one's memory, takes over. It must not seed again (no second seed, no new epoch), and the recovery must complete.
 * The first process is the Quarkus application's operator; the second is a fresh JOSDK operator with fresh beans.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
class OperatorRestartTest {

    @Inject
    Operator firstOperator;

    @Inject
    HookExecutor firstHookRunner;

    @Test
    void aRestartRightAfterTheSeedIsRecordedNeverSeedsTwice() {
        LiveCluster c = new LiveCluster(SimulatedClusterResource.cluster(), "restart", "db").create(3, r -> {
            for (var hook : List.of(r.getSpec().getHooks().getSequence(), r.getSpec().getHooks().getSeed(),
                    r.getSpec().getHooks().getPrimary(), r.getSpec().getHooks().getSecondary(),
                    r.getSpec().getHooks().getStop())) {
                hook.setTimeout("10s");
            }
            return r;
        });
        c.awaitRunning(3);
        Instant cut = Instant.now();
        long epoch = c.rollingPowerFailure("db-0");
        c.pause(false);

        ReplicatedStatefulSetStatus recorded = await().atMost(LiveCluster.PATIENCE).pollInterval(Duration.ofMillis(20))
                .until(c::status, s -> s.getEpoch() != null && s.getEpoch() == epoch + 1 && s.getSeed() != null);
        // The crash: the first operator stops reconciling and its hook runner drops what it was doing.
        firstOperator.stop();
        firstHookRunner.shutdown();
        long seedsBeforeCrash = c.execsSince("/hooks/seed", cut).size();

        Operator second = secondOperator(c.client);
        try {
            ReplicatedStatefulSetStatus status = c.awaitRecoveredAfter(epoch, 3);
            assertThat(status.getEpoch()).as("no second seed: the epoch did not move again").isEqualTo(epoch + 1);
            assertThat(status.getSeed().getPod()).isEqualTo(recorded.getSeed().getPod());
            List<ExecRecord> seeds = c.execsSince("/hooks/seed", cut);
            assertThat(seeds).extracting(ExecRecord::pod).containsOnly(recorded.getSeed().getPod());
            if (seedsBeforeCrash > 0 && seeds.get(0).exitCode() != null && seeds.get(0).exitCode() == 0) {
                assertThat(seeds).as("the seed had run: the new process asked status and did not repeat it")
                        .hasSize((int) seedsBeforeCrash);
            }
            assertThat(c.lost()).isEmpty();
        } finally {
            second.stop();
            c.tearDown();
        }
    }

    private static Operator secondOperator(KubernetesClient client) {
        HookExecutor hooks = new HookExecutor(client, 32, 65536, null);
        RssEvents events = new RssEvents(client);
        HookCompletions completions = new HookCompletions(events);
        ReplicatedStatefulSetReconciler reconciler = new ReplicatedStatefulSetReconciler(new HookLedgers(),
                new ActionRunner(hooks, completions, new PodActions(client, events), events), completions, hooks,
                new OwnedResources(events), events, new RssMetrics(new SimpleMeterRegistry()),
                () -> Duration.ofSeconds(2));
        Operator operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                // as the packaged operator runs (application.properties): no server-side apply
                .withSSABasedCreateUpdateMatchForDependentResources(false).withUseSSAToPatchPrimaryResource(false));
        operator.register(reconciler);
        operator.start();
        return operator;
    }
}
