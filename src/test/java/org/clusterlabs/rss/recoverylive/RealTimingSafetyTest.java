package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tier 2, issue 14: the record is a real fence, a hook that outlives its timeout is owned, terminating pods are going
 * away, a StatefulSet change the API server refuses is reported without stopping anything. The kit behaves as a real
 * cluster here: an exec's process outlives its closed stream, pods can stay Terminating for a grace period, status
 * writes can conflict, and a StatefulSet refuses changes to its immutable fields.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
class RealTimingSafetyTest {

    private final List<LiveCluster> created = new ArrayList<>();

    private LiveCluster cluster(String ns, int replicas, java.util.function.UnaryOperator<ReplicatedStatefulSet> c) {
        LiveCluster cluster = new LiveCluster(SimulatedClusterResource.cluster(), ns, "db").create(replicas, c);
        created.add(cluster);
        return cluster;
    }

    @AfterEach
    void tearDown() {
        created.forEach(LiveCluster::tearDown);
    }

    @Test
    void aConflictOnTheSeedRecordRunsNoSeedAndTheNextPassSeedsOnceInTheSameEpoch() {
        LiveCluster c = cluster("fence", 3, r -> r);
        c.awaitRunning(3);
        long before = c.rollingPowerFailure("db-0", "db-1");
        long next = before + 1;
        c.sim.conflictNextStatusWrite("fence", "db", body -> seedEpoch(body) == next);
        Instant cut = Instant.now();
        c.pause(false);

        var status = c.awaitRecoveredAfter(before, 3);
        assertThat(c.sim.conflictsInjected()).as("the seed's record write met a conflict").isEqualTo(1);
        assertThat(status.getEpoch()).as("the conflicting pass opened no epoch").isEqualTo(next);
        assertThat(status.getSeed().getAttempts()).isEqualTo(1);
        assertThat(c.execsSince("/hooks/seed", cut)).as("one seed hook, run after the write that succeeded").hasSize(1)
                .allSatisfy(e -> assertThat(e.pod()).isEqualTo("db-2"));
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aSeedThatOutlivesItsTimeoutIsNeverStartedTwice() {
        LiveCluster c = cluster("late", 3, r -> {
            r.getSpec().getHooks().getSeed().setTimeout("1s");
            return r;
        });
        c.awaitRunning(3);
        long before = c.rollingPowerFailure("db-0", "db-1");
        for (int i = 0; i < 3; i++) {
            // the seed hook sleeps past its timeout, then seeds: a real kubelet lets it run on
            c.sim.setPodEnv("late", "db-" + i, "DEMO_DELAY_SEED", "3");
        }
        Instant cut = Instant.now();
        c.pause(false);

        await().atMost(LiveCluster.PATIENCE).until(() -> !c.events("MemberFailed").isEmpty());
        var status = c.awaitRecoveredAfter(before, 3);
        List<ExecRecord> seeds = c.execsSince("/hooks/seed", cut);
        assertThat(seeds).as("the timed-out seed was never started again: " + seeds).hasSize(1);
        assertThat(seeds.get(0).killedByClose()).isFalse();
        assertThat(seeds.get(0).exitCode()).as("it ran to its end in the pod").isEqualTo(0);
        assertThat(status.getSeed().getAttempts()).isEqualTo(1);
        assertThat(status.getSeed().getPod()).isEqualTo("db-2");
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aTerminatingPodIsGoingAwayNeverCheckedSeededOrStartedDuringItsGracePeriod() {
        LiveCluster c = cluster("grace", 3, r -> r);
        c.awaitRunning(3);
        c.awaitMoreAcked(3);
        c.pause(true);
        c.sim.killPodProcesses("grace", "db-0");
        c.awaitMoreAcked(3);
        c.sim.killPodProcesses("grace", "db-1");
        c.awaitMoreAcked(3);
        c.sim.killPodProcesses("grace", "db-2"); // db-2 is the newest, and it is going away
        long before = c.epoch();
        c.sim.deletePodGracefully("grace", "db-2", Duration.ofSeconds(8));
        Instant deleting = Instant.now();
        c.pause(false);

        String oldUid = c.client.pods().inNamespace("grace").withName("db-2").get().getMetadata().getUid();
        c.sim.awaitRecreated("grace", "db-2", oldUid, LiveCluster.PATIENCE);
        Instant gone = Instant.now();
        assertThat(c.sim.execLog()).filteredOn(e -> e.namespace().equals("grace") && e.pod().equals("db-2"))
                .filteredOn(e -> e.started() != null && e.started().isAfter(deleting) && e.started().isBefore(gone))
                .as("no hook ran in the terminating pod").isEmpty();
        assertThat(c.events("SeedElected")).filteredOn(e -> Instant.parse(e.getFirstTimestamp()).isAfter(deleting)
                && Instant.parse(e.getFirstTimestamp()).isBefore(gone)).as("no seed while it may still run").isEmpty();

        var status = c.awaitRecoveredAfter(before, 3);
        assertThat(status.getSeed().getPod()).as("the newest copy seeds once its pod is back").isEqualTo("db-2");
        assertThat(c.lost()).isEmpty();
    }

    @Test
    void aStatefulSetFieldThatCannotChangeIsReportedAndHooksGoOn() {
        LiveCluster c = cluster("immutable", 3, r -> r);
        c.awaitRunning(3);
        c.edit(r -> {
            r.getSpec().getVolumeClaimTemplates().add(new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName("extra").endMetadata()
                    .withNewSpec().withAccessModes("ReadWriteOnce")
                    .withNewResources().withRequests(Map.of("storage", new Quantity("1Gi"))).endResources()
                    .endSpec().build());
            return r;
        });
        var status = c.awaitStatus(s -> s.getConditions().stream().anyMatch(cond ->
                "StatefulSetSynced".equals(cond.getType()) && "False".equals(cond.getStatus())));
        Condition synced = status.getConditions().stream().filter(x -> x.getType().equals("StatefulSetSynced"))
                .findFirst().orElseThrow();
        assertThat(synced.getReason()).isEqualTo("ImmutableFieldChanged");
        assertThat(synced.getMessage()).contains("spec.volumeClaimTemplates");
        assertThat(c.client.apps().statefulSets().inNamespace("immutable").withName("db").get().getSpec()
                .getVolumeClaimTemplates()).as("the StatefulSet keeps its templates")
                .noneMatch(t -> t.getMetadata().getName().equals("extra"));
        int checks = statusChecks(c);
        await().atMost(LiveCluster.PATIENCE).until(() -> statusChecks(c) > checks + 3);
        assertThat(c.status().getPhase()).hasToString("Running");
        assertThat(c.events("StatefulSetNotUpdated")).isNotEmpty();
    }

    @Test
    void aCopyThatStaysUnknownDoesNotFloodEvents() throws Exception {
        LiveCluster c = cluster("quiet", 3, r -> r);
        c.awaitRunning(3);
        long before = c.rollingPowerFailure("db-0", "db-1");
        c.sim.setPodEnv("quiet", "db-2", "DEMO_SEQUENCE_OUTPUT", "banana");
        c.pause(false);
        c.awaitStatus(s -> s.getMembers().stream().anyMatch(m -> m.getMessage() != null
                && m.getMessage().contains("banana")));
        // Events are sent off the critical path: the first round's may land after the status that shows it
        await().atMost(LiveCluster.PATIENCE).until(() -> c.events("SequencesCollected").stream()
                .anyMatch(e -> e.getMessage().contains("db-0=")));
        java.util.Set<String> before8 = c.client.v1().events().inNamespace("quiet").list().getItems().stream()
                .map(e -> e.getMetadata().getName()).collect(java.util.stream.Collectors.toSet());
        Thread.sleep(8000); // eight status periods
        List<String> created = c.client.v1().events().inNamespace("quiet").list().getItems().stream()
                .filter(e -> !before8.contains(e.getMetadata().getName()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
        assertThat(created).as("Events created while one copy stays Unknown for 8 periods").hasSizeLessThanOrEqualTo(2);
        c.sim.clearPodEnv("quiet", "db-2", "DEMO_SEQUENCE_OUTPUT");
        c.awaitRecoveredAfter(before, 3);
    }

    private static int statusChecks(LiveCluster c) {
        return c.execsSince("/hooks/status", Instant.MIN).size();
    }

    private static long seedEpoch(String body) {
        ReplicatedStatefulSet r = Serialization.unmarshal(body, ReplicatedStatefulSet.class);
        return r.getStatus() == null || r.getStatus().getSeed() == null || r.getStatus().getSeed().getEpoch() == null
                ? -1 : r.getStatus().getSeed().getEpoch();
    }
}
