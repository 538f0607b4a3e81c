package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tier 2: the live operator recovers the demo app, whose hooks run as real processes behind the real exec protocol,
 * after lights-outs and faults. "Nothing lost" is checked on the app's own data: every acknowledged entry is in every
 * copy's log.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
class LightsOutRecoveryTest {

    private final List<LiveCluster> created = new ArrayList<>();

    @Inject
    MeterRegistry registry;

    private LiveCluster cluster(String ns, int replicas) {
        LiveCluster c = new LiveCluster(SimulatedClusterResource.cluster(), ns, "db").create(replicas, r -> r);
        created.add(c);
        return c;
    }

    @AfterEach
    void tearDown() {
        created.forEach(LiveCluster::tearDown);
    }

    @Test
    void aFreshClusterSeedsPodZeroThenStartsPrimariesAndTheClientServiceSelectsOnlyPrimaries() {
        LiveCluster c = new LiveCluster(SimulatedClusterResource.cluster(), "fresh", "db").create(3, r -> {
            r.getSpec().setPrimaries(2);
            return r;
        });
        created.add(c);

        ReplicatedStatefulSetStatus status = c.awaitRunning(2);
        assertThat(status.getSeed().getPod()).isEqualTo("db-0");
        assertThat(status.getEpoch()).isEqualTo(1L);
        assertThat(status.getReady()).isEqualTo("3/3");
        assertThat(status.getMembers()).extracting(m -> m.getRole())
                .containsExactlyInAnyOrder("Primary", "Primary", "Secondary");
        await().atMost(LiveCluster.PATIENCE).untilAsserted(() -> {
            assertThat(c.podsLabelled("primary")).extracting(p -> p.getMetadata().getName())
                    .containsExactlyInAnyOrder("db-0", "db-1");
            assertThat(c.podsLabelled("secondary")).extracting(p -> p.getMetadata().getName())
                    .containsExactly("db-2");
        });
        var clientService = c.client.services().inNamespace("fresh").withName("db-client").get();
        assertThat(clientService.getSpec().getSelector()).containsEntry("rss.clusterlabs.org/role", "primary");

        List<ExecRecord> starts = execs(c, "/hooks/seed", "/hooks/primary", "/hooks/secondary");
        assertThat(starts.get(0).pod()).as(starts.toString()).isEqualTo("db-0");
        assertThat(starts.get(0).argv()).as("the seed gets no peers").containsExactly("/hooks/seed");
        assertThat(starts.subList(1, starts.size())).as("every later start is given the running primaries")
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.argv().subList(1, e.argv().size())).contains("db-0.db.fresh.svc"));
        assertThat(execs(c, "/hooks/seed")).as("one seed").hasSize(1);
        assertThat(c.events("SeedElected")).hasSize(1);
        assertThat(c.events("Seeded")).hasSize(1);
        assertThat(c.events("MemberStarted")).hasSizeGreaterThanOrEqualTo(2);

        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("rss_members{name=\"db\",namespace=\"fresh\",role=\"Primary\"} 2.0")
                .contains("rss_members{name=\"db\",namespace=\"fresh\",role=\"Secondary\"} 1.0")
                .contains("rss_recovering{name=\"db\",namespace=\"fresh\"} 0.0")
                .contains("rss_seed_sequence{name=\"db\",namespace=\"fresh\"}")
                .contains("rss_hook_executions_total{hook=\"seed\",name=\"db\",namespace=\"fresh\",outcome=\"succeeded\"}")
                .contains("operator_sdk_");
    }

    @Test
    void afterALightsOutTheNewestCopySeedsAndNothingIsLost() {
        LiveCluster c = cluster("newest", 3);
        c.awaitRunning(3);
        long epoch = c.rollingPowerFailure("db-0", "db-1");
        c.pause(false);

        ReplicatedStatefulSetStatus status = c.awaitRecoveredAfter(epoch, 3);
        assertThat(status.getSeed().getPod()).as(c.describe()).isEqualTo("db-2");
        assertThat(status.getSeed().getEpoch()).isEqualTo(epoch + 1);
        assertThat(status.getHighWaterMark()).isEqualTo(status.getSeed().getSequence());
        assertThat(c.lost()).isEmpty();
        assertThat(c.events("SequencesCollected")).isNotEmpty();
        assertThat(c.events("SequencesCollected").get(c.events("SequencesCollected").size() - 1).getMessage())
                .contains("db-0=", "db-1=", "db-2=");
    }

    @Test
    void aTieGoesToTheLowestOrdinal() throws Exception {
        LiveCluster c = cluster("tie", 3);
        c.awaitRunning(3);
        long epoch = c.rollingPowerFailure("db-0");
        // Copies 1 and 2 now hold the same data: make that exact, whatever the last write did.
        java.nio.file.Files.copy(c.sim.dataDir("tie", "db-1").resolve("log"),
                c.sim.dataDir("tie", "db-2").resolve("log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        c.pause(false);

        ReplicatedStatefulSetStatus status = c.awaitRecoveredAfter(epoch, 3);
        assertThat(status.getSeed().getPod()).as(c.describe()).isEqualTo("db-1");
    }

    @Test
    void garbageFromOneSequenceHookMakesTheOperatorWaitAndSayWhy() {
        LiveCluster c = cluster("garbage", 3);
        c.awaitRunning(3);
        long epoch = c.rollingPowerFailure();
        c.sim.setPodEnv("garbage", "db-2", "DEMO_SEQUENCE_OUTPUT", "banana");
        c.pause(false);

        await().atMost(LiveCluster.PATIENCE).untilAsserted(() -> {
            ReplicatedStatefulSetStatus s = c.status();
            assertThat(s.getPhase()).isIn(Phase.Recovering);
            String recovering = s.getConditions().stream().filter(x -> x.getType().equals("Recovering"))
                    .findFirst().orElseThrow().getMessage();
            assertThat(recovering).contains("db-2").contains("banana");
            assertThat(s.getMembers()).filteredOn(m -> m.getPod().equals("db-2")).singleElement()
                    .satisfies(m -> assertThat(m.getMessage()).contains("sequence hook on db-2").contains("banana"));
        });
        sleep(Duration.ofSeconds(3));
        assertThat(c.epoch()).as("no seed while a copy's sequence is unknown").isEqualTo(epoch);
        assertThat(c.events("WaitingForMembers")).isNotEmpty();

        c.sim.clearPodEnv("garbage", "db-2", "DEMO_SEQUENCE_OUTPUT");
        ReplicatedStatefulSetStatus status = c.awaitRecoveredAfter(epoch, 3);
        assertThat(c.lost()).isEmpty();
        assertThat(status.getSeed().getEpoch()).isEqualTo(epoch + 1);
    }

    @Test
    void scalingUpJoinsPrimariesWithPeersAndScalingDownStopsTheDepartingCopiesFirst() {
        LiveCluster c = cluster("scale", 3);
        c.awaitRunning(3);

        c.edit(r -> {
            r.getSpec().setReplicas(5);
            return r;
        });
        c.awaitRunning(5);
        for (String pod : List.of("db-3", "db-4")) {
            assertThat(execs(c, "/hooks/primary")).filteredOn(e -> e.pod().equals(pod)).first()
                    .satisfies(e -> assertThat(e.argv().subList(1, e.argv().size()))
                            .isNotEmpty()
                            .allMatch(peer -> peer.matches("db-[0-4]\\.db\\.scale\\.svc")));
        }

        c.edit(r -> {
            r.getSpec().setReplicas(3);
            return r;
        });
        await().atMost(LiveCluster.PATIENCE).until(
                () -> c.client.apps().statefulSets().inNamespace("scale").withName("db").get().getSpec().getReplicas(),
                n -> n == 3);
        // At the moment the StatefulSet shrank, both departing copies had already been stopped.
        assertThat(execs(c, "/hooks/stop")).extracting(ExecRecord::pod).contains("db-3", "db-4");
        assertThat(execs(c, "/hooks/stop")).filteredOn(e -> e.pod().equals("db-3") || e.pod().equals("db-4"))
                .allMatch(e -> e.exitCode() != null && e.exitCode() == 0);
        c.awaitRunning(3);
        assertThat(c.events("ScaleDownStop")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aTemplateChangeRollsOneCopyAtATimeHighestOrdinalFirstAndNothingIsLost() throws Exception {
        LiveCluster c = cluster("rolling", 3);
        c.awaitRunning(3);
        Map<String, String> oldUids = new HashMap<>();
        c.client.pods().inNamespace("rolling").list().getItems()
                .forEach(p -> oldUids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
        int stopsBefore = execs(c, "/hooks/stop").size();

        AtomicInteger mostPrimariesMissing = new AtomicInteger();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleWithFixedDelay(() -> mostPrimariesMissing.accumulateAndGet(
                3 - c.podsLabelled("primary").size(), Math::max), 0, 50, TimeUnit.MILLISECONDS);
        try {
            c.edit(r -> {
                var container = r.getSpec().getTemplate().getSpec().getContainers().get(0);
                List<EnvVar> env = container.getEnv() == null ? new ArrayList<>() : new ArrayList<>(container.getEnv());
                env.add(new EnvVar("ROLLED", "yes", null));
                container.setEnv(env);
                return r;
            });
            await().atMost(LiveCluster.PATIENCE).untilAsserted(() -> {
                assertThat(c.client.pods().inNamespace("rolling").list().getItems())
                        .hasSize(3)
                        .allSatisfy(p -> assertThat(p.getMetadata().getUid())
                                .isNotEqualTo(oldUids.get(p.getMetadata().getName())));
                assertThat(c.status().getPhase()).isEqualTo(Phase.Running);
                assertThat(c.status().getPrimaries()).isEqualTo(3);
            });
        } finally {
            sampler.shutdownNow();
        }

        assertThat(mostPrimariesMissing.get()).as("copies out at once during the roll").isEqualTo(1);
        List<ExecRecord> stops = execs(c, "/hooks/stop");
        assertThat(stops.subList(stopsBefore, stops.size())).extracting(ExecRecord::pod)
                .as("each copy is stopped cleanly before its pod goes, highest ordinal first")
                .containsExactly("db-2", "db-1", "db-0");
        assertThat(c.client.pods().inNamespace("rolling").list().getItems())
                .allSatisfy(p -> assertThat(p.getSpec().getContainers().get(0).getEnv())
                        .extracting(EnvVar::getName).contains("ROLLED"));
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aFailedMemberIsRestartedAndAfterTheThresholdItsPodIsDeleted() {
        LiveCluster c = new LiveCluster(SimulatedClusterResource.cluster(), "failing", "db").create(3, r -> {
            r.getSpec().getRecovery();
            var recovery = r.getSpec().recoveryOrDefault();
            recovery.setFailureThreshold(2);
            r.getSpec().setRecovery(recovery);
            return r;
        });
        created.add(c);
        c.awaitRunning(3);
        String uid = c.client.pods().inNamespace("failing").withName("db-1").get().getMetadata().getUid();

        c.sim.setPodEnv("failing", "db-1", "DEMO_FAIL_STATUS", "disk on fire");
        await().atMost(LiveCluster.PATIENCE).until(() -> !c.events("MemberRestarted").isEmpty());
        await().atMost(LiveCluster.PATIENCE).until(() -> {
            var pod = c.client.pods().inNamespace("failing").withName("db-1").get();
            return pod != null && !pod.getMetadata().getUid().equals(uid);
        });
        c.sim.clearPodEnv("failing", "db-1", "DEMO_FAIL_STATUS");

        assertThat(c.events("MemberFailed")).isNotEmpty();
        assertThat(c.events("PodDeleted")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("db-1"));
        c.awaitRunning(3);
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aPodOnANodeThatIsNotReadyBlocksTheSeedUntilItsNodeIsBack() {
        LiveCluster c = cluster("fencing", 3);
        c.awaitRunning(3);
        long epoch = c.rollingPowerFailure();
        c.sim.awaitPods("fencing", "db", 3, LiveCluster.PATIENCE);
        String node = c.client.pods().inNamespace("fencing").withName("db-1").get().getSpec().getNodeName();
        c.sim.setNodeReady(node, false);
        try {
            c.pause(false);
            await().atMost(LiveCluster.PATIENCE).untilAsserted(() -> {
                ReplicatedStatefulSetStatus s = c.status();
                assertThat(s.getPhase()).isEqualTo(Phase.Recovering);
                assertThat(s.getMembers()).filteredOn(m -> m.getPod().equals("db-1")).singleElement()
                        .satisfies(m -> assertThat(m.getMessage()).contains("node is not Ready"));
            });
            sleep(Duration.ofSeconds(3));
            assertThat(c.epoch()).as("no seed while a copy may still run").isEqualTo(epoch);
        } finally {
            c.sim.setNodeReady(node, true);
        }
        ReplicatedStatefulSetStatus status = c.awaitRecoveredAfter(epoch, 3);
        assertThat(status.getSeed()).isNotNull();
        assertThat(c.lost()).isEmpty();
    }

    /**
     * A node's own update starts a pass: with a status period of 10 minutes, only the node's event (its pods are
     * not touched) can make the operator see, within seconds, that a copy's node is not Ready.
     */
    @Test
    void aNodeUpdateAloneStartsAPass() {
        LiveCluster c = new LiveCluster(SimulatedClusterResource.cluster(), "node-event", "db").create(3, r -> {
            r.getSpec().getHooks().getStatus().setPeriod("600s");
            return r;
        });
        created.add(c);
        c.awaitRunning(3);
        String node = c.client.pods().inNamespace("node-event").withName("db-1").get().getSpec().getNodeName();
        sleep(Duration.ofSeconds(2)); // the passes of the formation are over
        c.sim.setNodeConditionOnly(node, false);
        try {
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(c.status().getMembers())
                    .filteredOn(m -> m.getPod().equals("db-1")).singleElement()
                    .satisfies(m -> assertThat(m.getMessage()).contains("node is not Ready")));
        } finally {
            c.sim.setNodeConditionOnly(node, true);
        }
    }

    @Test
    void theForceSeedAnnotationIsHonouredOnceWithAWarningAndOverridesTheHighWaterMark() {
        LiveCluster c = cluster("force", 3);
        c.awaitRunning(3);
        long epoch = c.rollingPowerFailure("db-0");
        long highWaterBefore = c.status().getHighWaterMark() == null ? 0 : c.status().getHighWaterMark();

        c.edit(r -> {
            r.getMetadata().getAnnotations().put(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION, "db-0");
            r.getSpec().setPaused(false);
            return r;
        });

        ReplicatedStatefulSetStatus status = await().atMost(LiveCluster.PATIENCE)
                .until(c::status, s -> s.getSeed() != null && s.getEpoch() != null && s.getEpoch() == epoch + 1);
        assertThat(status.getSeed().getPod()).isEqualTo("db-0");
        assertThat(status.getSeed().getForced()).isTrue();
        await().atMost(LiveCluster.PATIENCE).untilAsserted(() -> {
            // a merge patch with null removes the key on a real API server; the in-memory one keeps it as null
            assertThat(c.get().getMetadata().getAnnotations().get(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION))
                    .isNull();
            assertThat(c.events("ForcedSeed")).singleElement()
                    .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
        });
        assertThat(c.status().getHighWaterMark()).isEqualTo(status.getSeed().getSequence());
        // once the annotation is gone the consumed request is forgotten, so that the same pod can be forced again
        await().atMost(LiveCluster.PATIENCE).until(() -> c.status().getConsumedForceSeed() == null);
        // db-0 was behind: the copies that are ahead refuse to join it (the demo app, like Galera, will not
        // reverse history), and the operator reports it.
        await().atMost(LiveCluster.PATIENCE).until(() -> !c.events("MemberFailed").isEmpty());
        assertThat(c.epoch()).as("the force is one-shot").isEqualTo(epoch + 1);
    }

    @Test
    void aResourceHasNoFinalizerAndItsDeletionRemovesItsSeries() {
        LiveCluster c = cluster("deleted", 1);
        c.awaitRunning(1);
        assertThat(c.get().getMetadata().getFinalizers()).as("deletion must not wait for a running operator").isEmpty();
        assertThat(registry.find(RssMetrics.PHASE).tags("namespace", "deleted", "name", "db").meters()).isNotEmpty();

        c.client.resource(c.get()).delete();

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(c.get()).isNull();
            assertThat(registry.getMeters()).filteredOn(m -> "deleted".equals(m.getId().getTag("namespace"))).isEmpty();
        });
    }

    @Test
    void anIdleClusterMakesNoWrites() {
        LiveCluster c = cluster("idle", 3);
        c.awaitRunning(3);
        sleep(Duration.ofSeconds(3));
        SimulatedCluster sim = c.sim;
        sim.resetWrites();
        sleep(Duration.ofSeconds(5)); // five status periods: five passes with five status hooks per copy
        List<String> writes = sim.writes().stream().filter(w -> w.contains("/namespaces/idle/")).toList();
        assertThat(writes).as(c.describe()).isEmpty();
        assertThat(execs(c, "/hooks/status").size()).isGreaterThan(10);
    }

    private static List<ExecRecord> execs(LiveCluster c, String... argv0) {
        List<String> wanted = List.of(argv0);
        return c.sim.execLog().stream()
                .filter(e -> e.namespace().equals(c.ns))
                .filter(e -> wanted.contains(e.argv().get(0)))
                .toList();
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
