package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.controlplane.DemoOnControlPlane.HookRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The running-cluster scenarios of issue 9 on the real control plane, one demo app (namespace {@value #NS}) through
 * the shared packaged operator: scale 3 to 5 to 3 with stop hooks, force-seed, a pod that stays Terminating, a
 * template roll, and an edit of an immutable StatefulSet field. Every hook run is counted from the app's side
 * ({@link DemoOnControlPlane#hookRuns()}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240)
class ScenariosOnApiServerIT extends DemoScenario {

    static final String NS = "cp-scenarios";
    static final String HOLD = "rss.test/hold";

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        startDemo(controlPlane, NS, Map.of());
    }

    @AfterAll
    static void releaseTheTerminatingPod() {
        cp.kubectl("patch", "pod", demo.pod(1), "-n", NS, "--type=merge", "-p",
                "{\"metadata\":{\"finalizers\":null}}");
    }

    @Test
    @Order(1)
    void scaleThreeToFiveToThreeRunsTheStopHooksOfOrdinalsThreeAndFourBeforeTheyGo() throws Exception {
        long epoch = demo.status().getEpoch();
        long t0 = System.currentTimeMillis();
        demo.patch("{\"spec\":{\"replicas\":5}}");
        demo.awaitStatus("Running with 5 primaries",
                s -> s.getPhase() == Phase.Running && Integer.valueOf(5).equals(s.getPrimaries()));
        assertThat(demo.status().getEpoch()).as("a scale-up opens no epoch").isEqualTo(epoch);
        assertThat(demo.runs("seed", t0)).as("a scale-up never seeds").isEmpty();
        demo.awaitAcked(demo.acked().size() + 5);
        assertThat(demo.lost(5)).isEmpty();

        long t1 = System.currentTimeMillis();
        demo.patch("{\"spec\":{\"replicas\":3}}");
        demo.awaitStatus("Running with 3 primaries, pods 3 and 4 gone",
                s -> s.getPhase() == Phase.Running && Integer.valueOf(3).equals(s.getPrimaries())
                        && pod(3) == null && pod(4) == null);
        List<HookRun> stops = demo.runs("stop", t1);
        assertThat(stops).as("stop hooks since the scale-down").extracting(HookRun::pod)
                .containsExactlyInAnyOrder(demo.pod(3), demo.pod(4));
        assertThat(stops).allSatisfy(h -> assertThat(h.rc()).isZero());
        for (int i : new int[] {3, 4}) {
            // KWOK does not kill a pod's local processes: only the stop hook can have stopped this app, cleanly
            assertThat(demo.daemonAlive(i)).as("the app of %s still runs", demo.pod(i)).isFalse();
            assertThat(Files.readString(demo.dataDir(i).resolve("daemon.out"))).contains("stopped at");
        }
        assertThat(demo.runs("seed", t0)).isEmpty();
        demo.awaitAcked(demo.acked().size() + 5);
        assertThat(demo.lost(3)).isEmpty();
    }

    @Test
    @Order(2)
    void forceSeedSeedsTheNamedCopyOnceAndTheAnnotationIsRemoved() throws Exception {
        long epoch = demo.status().getEpoch();
        long t0 = System.currentTimeMillis();
        demo.killDaemons(); // every copy holds the same log: unforced, the lowest ordinal (demo-0) would seed
        // a merge patch without resourceVersion: an edit() (a JSON patch with the resourceVersion read) gets 409
        // here whenever the operator wrote the resource in between, as a real API server does
        demo.admin.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(DemoOnControlPlane.NAME)
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"annotations\":{\"" + ReplicatedStatefulSet.FORCE_SEED_ANNOTATION + "\":\""
                                + demo.pod(2) + "\"}}}");
        ReplicatedStatefulSetStatus s = demo.awaitRunning(3, epoch);
        assertThat(s.getSeed().getPod()).isEqualTo(demo.pod(2));
        assertThat(s.getSeed().getForced()).isTrue();
        assertThat(demo.runs("seed", t0)).as("seed hooks since the lights-out").extracting(HookRun::pod)
                .containsExactly(demo.pod(2));
        demo.awaitStatus("the force annotation removed", Duration.ofSeconds(30),
                x -> !annotations().containsKey(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION));
        demo.awaitAcked(demo.acked().size() + 10);
        assertThat(demo.lost(3)).isEmpty();
        assertThat(demo.runs("seed", t0)).as("still one seed").hasSize(1);
    }

    @Test
    @Order(3)
    void aPodThatStaysTerminatingIsGoingAwayNeverRunning() throws Exception {
        demo.awaitRunning(3, 0);
        long t0 = System.currentTimeMillis();
        ControlPlane.Result r = cp.kubectl("patch", "pod", demo.pod(1), "-n", NS, "--type=merge", "-p",
                "{\"metadata\":{\"finalizers\":[\"" + HOLD + "\"]}}");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        r = cp.kubectl("delete", "pod", demo.pod(1), "-n", NS, "--wait=false");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        long deleted = System.currentTimeMillis();
        assertThat(pod(1).getMetadata().getDeletionTimestamp()).isNotNull();
        // its app still runs (a Terminating pod's containers run until they stop): the operator must not count it
        assertThat(demo.daemonAlive(1)).isTrue();
        try {
            ReplicatedStatefulSetStatus s = demo.awaitStatus("demo-1 no longer counted", Duration.ofSeconds(30),
                    x -> Integer.valueOf(2).equals(x.getPrimaries()));
            assertThat(s.getPhase()).isNotEqualTo(Phase.Running);
            Thread.sleep(8_000); // several status periods (1 s) while it stays Terminating
            s = demo.status();
            assertThat(s.getPrimaries()).isEqualTo(2);
            assertThat(s.getReadyReplicas()).isLessThanOrEqualTo(2);
            assertThat(s.getPhase()).isNotEqualTo(Phase.Running);
            assertThat(pod(1).getMetadata().getDeletionTimestamp()).as("still Terminating").isNotNull();
            // a check already running when the deletion was seen may end; nothing may start afterwards
            List<HookRun> onIt = demo.hookRuns().stream()
                    .filter(h -> h.pod().equals(demo.pod(1)) && h.startMs() > deleted + 1_000).toList();
            assertThat(onIt).as("hooks run on the Terminating pod").isEmpty();
            assertThat(demo.runs("seed", t0)).isEmpty();
        } finally {
            // its container ends, the finalizer goes: the StatefulSet controller recreates the pod, the copy rejoins
            demo.killDaemon(1);
            r = cp.kubectl("patch", "pod", demo.pod(1), "-n", NS, "--type=merge", "-p",
                    "{\"metadata\":{\"finalizers\":null}}");
        }
        assertThat(r.exitCode()).as(r.toString()).isZero();
        demo.awaitStatus("Running with 3 primaries again",
                x -> x.getPhase() == Phase.Running && Integer.valueOf(3).equals(x.getPrimaries()));
        assertThat(demo.runs("seed", t0)).as("no seed: the others ran all along").isEmpty();
        demo.awaitAcked(demo.acked().size() + 5);
        assertThat(demo.lost(3)).isEmpty();
    }

    @Test
    @Order(4)
    void aTemplateRollBringsEveryCopyBackWithNothingLost() throws Exception {
        demo.awaitRunning(3, 0);
        long epoch = demo.status().getEpoch();
        Map<String, String> uids = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            uids.put(demo.pod(i), pod(i).getMetadata().getUid());
        }
        long t0 = System.currentTimeMillis();
        demo.patch("{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"rss.test/roll\":\"1\"}}}}}");
        demo.awaitStatus("every pod on the new template, Running with 3 primaries", x -> {
            StatefulSet sts = demo.admin.apps().statefulSets().inNamespace(NS).withName(DemoOnControlPlane.NAME)
                    .get();
            return x.getPhase() == Phase.Running && Integer.valueOf(3).equals(x.getPrimaries())
                    && sts.getStatus() != null && Integer.valueOf(3).equals(sts.getStatus().getUpdatedReplicas())
                    && java.util.stream.IntStream.range(0, 3).allMatch(i -> pod(i) != null
                            && "1".equals(pod(i).getMetadata().getAnnotations().get("rss.test/roll")));
        });
        for (int i = 0; i < 3; i++) {
            assertThat(pod(i).getMetadata().getUid()).as("%s recreated", demo.pod(i))
                    .isNotEqualTo(uids.get(demo.pod(i)));
        }
        assertThat(demo.runs("stop", t0)).as("each copy stopped once before its pod went").extracting(HookRun::pod)
                .containsExactlyInAnyOrder(demo.pod(0), demo.pod(1), demo.pod(2));
        assertThat(demo.runs("seed", t0)).as("a roll never seeds").isEmpty();
        assertThat(demo.status().getEpoch()).isEqualTo(epoch);
        demo.awaitAcked(demo.acked().size() + 5);
        assertThat(demo.lost(3)).isEmpty();
    }

    @Test
    @Order(5)
    void anEditOfTheVolumeClaimTemplatesIsReportedWhileStatusChecksGoOn() throws Exception {
        demo.awaitRunning(3, 0);
        demo.patch("{\"spec\":{\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\"},\"spec\":{\"accessModes\":"
                + "[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}]}}");
        demo.awaitStatus("StatefulSetSynced=False, ImmutableFieldChanged", Duration.ofSeconds(60), x -> synced(x)
                .filter(c -> "False".equals(c.getStatus()) && "ImmutableFieldChanged".equals(c.getReason()))
                .isPresent());
        assertThat(synced(demo.status()).orElseThrow().getMessage()).contains("spec.volumeClaimTemplates");
        StatefulSet sts = demo.admin.apps().statefulSets().inNamespace(NS).withName(DemoOnControlPlane.NAME).get();
        assertThat(sts.getSpec().getVolumeClaimTemplates()).as("the StatefulSet keeps its (no) templates").isEmpty();
        long t0 = System.currentTimeMillis();
        int acked = demo.acked().size();
        Thread.sleep(5_000);
        for (int i = 0; i < 3; i++) {
            String pod = demo.pod(i);
            assertThat(demo.runs("status", t0).stream().filter(h -> h.pod().equals(pod)).count())
                    .as("status checks of %s in 5 s while the field is reported", pod).isGreaterThanOrEqualTo(2);
        }
        assertThat(demo.acked().size()).as("the app goes on").isGreaterThan(acked);
        assertThat(demo.status().getPhase()).isEqualTo(Phase.Running);

        demo.patch("{\"spec\":{\"volumeClaimTemplates\":null}}");
        demo.awaitStatus("StatefulSetSynced=True again", Duration.ofSeconds(60),
                x -> synced(x).filter(c -> "True".equals(c.getStatus())).isPresent());
        assertThat(demo.lost(3)).isEmpty();
    }

    private static Optional<Condition> synced(ReplicatedStatefulSetStatus s) {
        return s.getConditions().stream().filter(c -> "StatefulSetSynced".equals(c.getType())).findFirst();
    }

    private static Pod pod(int ordinal) {
        return demo.admin.pods().inNamespace(NS).withName(demo.pod(ordinal)).get();
    }

    private static Map<String, String> annotations() {
        Map<String, String> a = demo.resource().getMetadata().getAnnotations();
        return a == null ? Map.of() : a;
    }
}
