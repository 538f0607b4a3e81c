package org.clusterlabs.rss.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The test kit itself: the simulated StatefulSet controller, nodes, data dirs, power cuts and write counting. */
class SimulatedClusterTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static SimulatedCluster cluster;

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(false));
        DemoApp.install(cluster);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Test
    void aStatefulSetRefusesChangesToItsImmutableFieldsAsTheApiServerDoes() {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-im", "im", 1)).create();
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> {
                    StatefulSet s = cluster.client().apps().statefulSets().inNamespace("ns-im").withName("im").get();
                    s.getSpec().setServiceName("other");
                    cluster.client().apps().statefulSets().resource(s).update(); // a PUT, as the operator sends
                });
        assertEquals(422, e.getCode());
        cluster.client().apps().statefulSets().inNamespace("ns-im").withName("im").edit(s -> {
            s.getSpec().setReplicas(2); // replicas may change
            return s;
        });
        cluster.client().apps().statefulSets().inNamespace("ns-im").withName("im").delete();
    }

    @Test
    void createsPodsWithOwnerReferencesLabelsAndStatus() {
        StatefulSet sts = cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-a", "web", 3)).create();
        List<Pod> pods = cluster.awaitPods("ns-a", "web", 3, WAIT);
        for (int i = 0; i < 3; i++) {
            Pod p = pods.get(i);
            assertEquals("web-" + i, p.getMetadata().getName());
            var owner = p.getMetadata().getOwnerReferences().get(0);
            assertEquals("StatefulSet", owner.getKind());
            assertEquals(sts.getMetadata().getUid(), owner.getUid());
            assertTrue(owner.getController());
            var labels = p.getMetadata().getLabels();
            assertEquals("web", labels.get("app"));
            assertEquals("web-" + i, labels.get(SimulatedCluster.LABEL_POD_NAME));
            assertEquals(String.valueOf(i), labels.get(SimulatedCluster.LABEL_POD_INDEX));
            assertTrue(labels.get(SimulatedCluster.LABEL_REVISION).startsWith("web-"));
            assertEquals("Running", p.getStatus().getPhase());
            assertNotNull(p.getStatus().getPodIP());
            assertEquals("node-" + i, p.getSpec().getNodeName());
            assertEquals("app", p.getSpec().getContainers().get(0).getName());
            assertTrue(Files.isDirectory(cluster.dataDir("ns-a", "web-" + i)));
        }
        StatefulSet withStatus = SimulatedCluster.await("sts status", WAIT, () -> {
            StatefulSet s = cluster.client().apps().statefulSets().inNamespace("ns-a").withName("web").get();
            return s.getStatus() != null && Integer.valueOf(3).equals(s.getStatus().getReadyReplicas()) ? s : null;
        });
        assertEquals(3, withStatus.getStatus().getReplicas());
        assertEquals(withStatus.getStatus().getCurrentRevision(), withStatus.getStatus().getUpdateRevision());
        assertNotNull(cluster.client().nodes().withName("node-2").get());
    }

    @Test
    void recreatesADeletedPodAndItsDataSurvives() throws Exception {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-b", "db", 2)).create();
        List<Pod> pods = cluster.awaitPods("ns-b", "db", 2, WAIT);
        Files.writeString(cluster.dataDir("ns-b", "db-1").resolve("keep"), "precious");
        String oldUid = pods.get(1).getMetadata().getUid();
        cluster.client().pods().inNamespace("ns-b").withName("db-1").delete();
        Pod again = cluster.awaitRecreated("ns-b", "db-1", oldUid, WAIT);
        assertNotEquals(oldUid, again.getMetadata().getUid());
        assertEquals("precious", Files.readString(cluster.dataDir("ns-b", "db-1").resolve("keep")));
        cluster.awaitPods("ns-b", "db", 2, WAIT);
    }

    @Test
    void scalesUpAndDownFromTheHighestOrdinal() {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-c", "kv", 2)).create();
        cluster.awaitPods("ns-c", "kv", 2, WAIT);
        cluster.client().apps().statefulSets().inNamespace("ns-c").withName("kv").scale(4);
        cluster.awaitPods("ns-c", "kv", 4, WAIT);
        cluster.client().apps().statefulSets().inNamespace("ns-c").withName("kv").scale(1);
        List<Pod> left = cluster.awaitPods("ns-c", "kv", 1, WAIT);
        assertEquals("kv-0", left.get(0).getMetadata().getName());
    }

    @Test
    void onDeleteKeepsOldRevisionsUntilAPodIsDeleted() {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-d", "od", 2)).create();
        List<Pod> before = cluster.awaitPods("ns-d", "od", 2, WAIT);
        String oldRev = before.get(0).getMetadata().getLabels().get(SimulatedCluster.LABEL_REVISION);
        // the kit writes the StatefulSet's status concurrently (409s happen, as with a real controller): retry
        SimulatedCluster.await("template edited", WAIT, () -> cluster.client().apps().statefulSets().inNamespace("ns-d")
                .withName("od").edit(s -> {
                    s.getSpec().getTemplate().getMetadata().getLabels().put("version", "2");
                    return s;
                }));
        StatefulSet s = SimulatedCluster.await("new update revision", WAIT, () -> {
            StatefulSet x = cluster.client().apps().statefulSets().inNamespace("ns-d").withName("od").get();
            return x.getStatus() != null && !oldRev.equals(x.getStatus().getUpdateRevision()) ? x : null;
        });
        assertEquals(oldRev, s.getStatus().getCurrentRevision());
        // nothing is replaced by itself
        for (Pod p : cluster.podsOf("ns-d", "od")) {
            assertEquals(oldRev, p.getMetadata().getLabels().get(SimulatedCluster.LABEL_REVISION));
        }
        String uid = before.get(1).getMetadata().getUid();
        cluster.deletePod("ns-d", "od-1");
        Pod fresh = cluster.awaitRecreated("ns-d", "od-1", uid, WAIT);
        assertEquals(s.getStatus().getUpdateRevision(), fresh.getMetadata().getLabels().get(SimulatedCluster.LABEL_REVISION));
        assertEquals("2", fresh.getMetadata().getLabels().get("version"));
        assertEquals(oldRev, cluster.client().pods().inNamespace("ns-d").withName("od-0").get().getMetadata()
                .getLabels().get(SimulatedCluster.LABEL_REVISION));
    }

    @Test
    void nodeNotReadyFlipsPodReadiness() {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-e", "nr", 2)).create();
        cluster.awaitPods("ns-e", "nr", 2, WAIT);
        cluster.setNodeReady("node-1", false);
        Pod p1 = cluster.client().pods().inNamespace("ns-e").withName("nr-1").get();
        Pod p0 = cluster.client().pods().inNamespace("ns-e").withName("nr-0").get();
        assertFalse(SimulatedCluster.isReady(p1));
        assertTrue(SimulatedCluster.isReady(p0));
        var cond = cluster.client().nodes().withName("node-1").get().getStatus().getConditions().get(0);
        assertEquals("Ready", cond.getType());
        assertEquals("Unknown", cond.getStatus());
        cluster.setNodeReady("node-1", true);
        assertTrue(SimulatedCluster.isReady(cluster.client().pods().inNamespace("ns-e").withName("nr-1").get()));
    }

    @Test
    void cutPowerKillsDaemonsAndRecreatesPodsWithTheirData() throws Exception {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-f", "pw", 2)).create();
        List<Pod> pods = cluster.awaitPods("ns-f", "pw", 2, WAIT);
        List<Long> pids = startDaemons(pods);
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "daemon " + pid + " runs");
        }
        Files.writeString(cluster.dataDir("ns-f", "pw-0").resolve("log"), "1 x y\n");
        cluster.cutPower("ns-f", "pw");
        for (long pid : pids) {
            SimulatedCluster.await("daemon " + pid + " dead", WAIT,
                    () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? null : true);
        }
        cluster.awaitRecreated("ns-f", "pw-0", pods.get(0).getMetadata().getUid(), WAIT);
        cluster.awaitPods("ns-f", "pw", 2, WAIT);
        assertEquals("1 x y\n", Files.readString(cluster.dataDir("ns-f", "pw-0").resolve("log")));
    }

    @Test
    void anAtomicPowerCutIsSeenByAWatchAsEveryPodGoneBeforeAnyComesBack() throws Exception {
        int n = 6;
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-at", "at", n)).create();
        List<Pod> pods = cluster.awaitPods("ns-at", "at", n, WAIT);
        List<Long> pids = startDaemons(pods);
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (var watch = cluster.client().pods().inNamespace("ns-at").watch(new io.fabric8.kubernetes.client.Watcher<Pod>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                seen.add(action + " " + pod.getMetadata().getName());
            }

            @Override
            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        })) {
            Thread.sleep(300);
            seen.clear();
            List<Pod> cut = cluster.cutPowerAtomically("ns-at", "at");
            assertEquals(n, cut.size());
            for (long pid : pids) {
                SimulatedCluster.await("daemon " + pid + " dead", WAIT,
                        () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? null : true);
            }
            for (Pod p : pods) {
                cluster.awaitRecreated("ns-at", p.getMetadata().getName(), p.getMetadata().getUid(), WAIT);
            }
            cluster.awaitPods("ns-at", "at", n, WAIT);
            SimulatedCluster.await("the watch saw every deletion", WAIT,
                    () -> seen.stream().filter(e -> e.startsWith("DELETED")).count() >= n ? true : null);
        }
        List<String> events = List.copyOf(seen);
        int firstAdded = events.stream().filter(e -> e.startsWith("ADDED")).findFirst().map(events::indexOf)
                .orElse(events.size());
        assertEquals(n, events.subList(0, firstAdded).stream().filter(e -> e.startsWith("DELETED")).count(),
                "every pod is gone before any comes back: " + events);
        for (Pod p : pods) {
            var life = cluster.podLives().stream().filter(l -> l.uid().equals(p.getMetadata().getUid())).findFirst();
            assertTrue(life.isPresent() && life.get().gone() != null, "the kit records " + p.getMetadata().getName()
                    + "'s old pod as gone");
        }
    }

    @Test
    void aLateDeleteEventOfAPodNeverUnplugsItsSuccessor() throws Exception {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-l", "late", 1)).create();
        Pod old = cluster.awaitPods("ns-l", "late", 1, WAIT).get(0);
        Path link = cluster.netDir().resolve("late-0.late.ns-l.svc");
        assertTrue(Files.isSymbolicLink(link), "the pod is on the network");

        cluster.cutPower("ns-l", "late");
        cluster.awaitRecreated("ns-l", "late-0", old.getMetadata().getUid(), WAIT);
        SimulatedCluster.await("the successor is on the network", WAIT, () -> Files.isSymbolicLink(link) ? true : null);
        cluster.podGone(old);

        assertTrue(Files.isSymbolicLink(link), "the successor stays on the network");
        assertEquals(cluster.dataDir("ns-l", "late-0"), Files.readSymbolicLink(link));
    }

    @Test
    void deletingAPodThroughTheApiKillsItsProcesses() throws Exception {
        Pod p = cluster.createPod("ns-h", "solo-0", "app");
        var pb = new ProcessBuilder("setsid", "sh", "-c", "sleep 600 </dev/null >/dev/null 2>&1 & echo $!");
        pb.environment().put(PodProcesses.UID_VAR, p.getMetadata().getUid());
        Process proc = pb.start();
        long pid = Long.parseLong(new String(proc.getInputStream().readAllBytes()).trim());
        proc.waitFor(5, TimeUnit.SECONDS);
        assertEquals(List.of(pid), PodProcesses.find(p.getMetadata().getUid()));
        try (var other = cluster.server().createClient()) { // e.g. the operator, or kubectl
            other.pods().inNamespace("ns-h").withName("solo-0").delete();
        }
        SimulatedCluster.await("daemon " + pid + " dead", WAIT,
                () -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? null : true);
    }

    @Test
    void warmUpExecRunsOneProcessAndLeavesNothingBehind() {
        cluster.resetWrites();
        int before = cluster.execLog().size();
        cluster.warmUpExec();
        assertEquals(before + 1, cluster.execLog().size());
        assertEquals(0, cluster.execLog().get(before).exitCode());
        SimulatedCluster.await("warm-up pod gone", WAIT,
                () -> cluster.client().pods().inNamespace("rss-sim-warmup").withName("warmup").get() == null ? true : null);
        assertEquals(0, cluster.writeCount());
    }

    @Test
    void anIdleClusterMakesNoWritesAtAll() throws Exception {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet("ns-i", "idle", 2)).create();
        cluster.awaitPods("ns-i", "idle", 2, WAIT);
        SimulatedCluster.await("sts status settled", WAIT, () -> {
            StatefulSet s = cluster.client().apps().statefulSets().inNamespace("ns-i").withName("idle").get();
            return s.getStatus() != null && Integer.valueOf(2).equals(s.getStatus().getReadyReplicas()) ? s : null;
        });
        Thread.sleep(1500); // let in-flight events settle
        cluster.resetWrites();
        Thread.sleep(3000); // three resyncs of the simulated controller
        assertEquals(List.of(), cluster.allWrites(), "the kit itself must not churn, or the operator sees events");
    }

    @Test
    void countsWritesOfOtherClientsButNotTheKits() {
        cluster.createPod("ns-g", "w-0", "app"); // the kit's own writes
        cluster.resetWrites();
        assertEquals(0, cluster.writeCount(), () -> String.valueOf(cluster.writes()));
        try (var other = cluster.server().createClient()) {
            other.configMaps().inNamespace("ns-g").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                    .withNewMetadata().withName("cm").endMetadata().addToData("k", "v").build()).create();
            other.configMaps().inNamespace("ns-g").withName("cm").get();
        }
        assertEquals(1, cluster.writeCount(), () -> String.valueOf(cluster.writes()));
        assertEquals(List.of("POST /api/v1/namespaces/ns-g/configmaps"), cluster.writes());
    }

    /** A detached daemon in each pod, as a hook would start it; their PIDs. */
    private static List<Long> startDaemons(List<Pod> pods) throws Exception {
        List<Long> pids = new java.util.ArrayList<>();
        for (Pod p : pods) {
            var pb = new ProcessBuilder("setsid", "sh", "-c", "sleep 600 </dev/null >/dev/null 2>&1 & echo $!");
            pb.environment().put(PodProcesses.UID_VAR, p.getMetadata().getUid());
            Process proc = pb.start();
            pids.add(Long.parseLong(new String(proc.getInputStream().readAllBytes()).trim()));
            proc.waitFor(5, TimeUnit.SECONDS);
        }
        return pids;
    }
}
