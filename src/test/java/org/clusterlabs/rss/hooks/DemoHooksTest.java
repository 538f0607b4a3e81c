package org.clusterlabs.rss.hooks;

import org.clusterlabs.rss.recovery.HookKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.clusterlabs.rss.testkit.DemoApp;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo app's hooks (examples/demo/hooks), run through the real hook runner in the simulated cluster, driven by
 * hand in the order an operator would.
 */
class DemoHooksTest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static SimulatedCluster cluster;
    static HookExecutor hooks;

    @BeforeAll
    static void start() {
        cluster = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(false));
        DemoApp.install(cluster);
        hooks = new HookExecutor(cluster.client(), 32, 64 * 1024, null);
    }

    @AfterAll
    static void stop() {
        hooks.shutdown();
        cluster.close();
    }

    private static HookResult hook(String ns, String pod, HookKind name, String... extraArgs) throws Exception {
        return hooks.run(new HookInvocation(ns, pod, DemoApp.CONTAINER, name,
                DemoApp.hook(name.tag(), extraArgs), Duration.ofSeconds(20), ns + "/demo"))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static long sequence(String ns, String pod) throws Exception {
        SequenceResult s = hooks.parseSequence(hook(ns, pod, HookKind.SEQUENCE));
        return assertInstanceOf(SequenceResult.Known.class, s, s::toString).value();
    }

    private static StatusReport status(String ns, String pod) throws Exception {
        return hooks.statusOf(hook(ns, pod, HookKind.STATUS));
    }

    private static void ok(HookResult r) {
        assertInstanceOf(HookOutcome.Succeeded.class, r.outcome(), r::describe);
    }

    private static String peer(String ns, int i) {
        return DemoApp.fqdn(ns, "demo", "demo-" + i);
    }

    private static void awaitAcked(String ns, int atLeast) {
        SimulatedCluster.await(atLeast + " acknowledged entries", WAIT,
                () -> DemoApp.acked(cluster, ns, "demo").size() >= atLeast ? true : null);
    }

    /** Seeds demo-0, joins demo-1 and demo-2 as primaries, and lets entries accumulate. */
    private static void startThree(String ns) throws Exception {
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet(ns, "demo", 3)).create();
        cluster.awaitPods(ns, "demo", 3, WAIT);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, sequence(ns, "demo-" + i));
            assertEquals(StatusReport.NOT_RUNNING, status(ns, "demo-" + i));
        }
        ok(hook(ns, "demo-0", HookKind.SEED));
        assertEquals(StatusReport.RUNNING_PRIMARY, status(ns, "demo-0"));
        awaitAcked(ns, 3);
        ok(hook(ns, "demo-1", HookKind.PRIMARY, peer(ns, 0)));
        ok(hook(ns, "demo-2", HookKind.PRIMARY, peer(ns, 0), peer(ns, 1)));
        for (int i = 0; i < 3; i++) {
            assertEquals(StatusReport.RUNNING_PRIMARY, status(ns, "demo-" + i));
        }
        int now = DemoApp.acked(cluster, ns, "demo").size();
        awaitAcked(ns, now + 10);
    }

    @Test
    void theLastCopyStoppedHasTheNewestSequenceAndNothingIsLost() throws Exception {
        String ns = "order";
        startThree(ns);
        List<Long> atStop = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ok(hook(ns, "demo-" + i, HookKind.STOP));
            assertEquals(StatusReport.NOT_RUNNING, status(ns, "demo-" + i));
            atStop.add(sequence(ns, "demo-" + i));
            if (i < 2) {
                int now = DemoApp.acked(cluster, ns, "demo").size();
                awaitAcked(ns, now + 5); // the remaining primaries keep writing
            }
        }
        long s0 = sequence(ns, "demo-0");
        long s1 = sequence(ns, "demo-1");
        long s2 = sequence(ns, "demo-2");
        assertEquals(atStop, List.of(s0, s1, s2), "stopped copies do not move");
        assertTrue(s0 < s1 && s1 < s2, "stopped in order 0,1,2: " + s0 + " < " + s1 + " < " + s2);
        assertEquals(DemoApp.acked(cluster, ns, "demo").size(), s2, "the last one stopped has every acknowledged entry");
        assertEquals(List.of(), DemoApp.lostEntries(cluster, ns, "demo", "demo-2"));

        // the right recovery: seed the newest, the others catch up from it
        ok(hook(ns, "demo-2", HookKind.SEED));
        ok(hook(ns, "demo-0", HookKind.PRIMARY, peer(ns, 2)));
        ok(hook(ns, "demo-1", HookKind.SECONDARY, peer(ns, 2), peer(ns, 0)));
        assertEquals(StatusReport.RUNNING_SECONDARY, status(ns, "demo-1"));
        awaitAcked(ns, (int) s2 + 10);
        assertEquals(List.of(), DemoApp.divergentEntries(cluster, ns, "demo", "demo-0", "demo-1", "demo-2"));
        // stop the writers, then the secondary, which received every entry
        ok(hook(ns, "demo-0", HookKind.STOP));
        ok(hook(ns, "demo-2", HookKind.STOP));
        ok(hook(ns, "demo-1", HookKind.STOP));
        assertEquals(List.of(), DemoApp.lostEntries(cluster, ns, "demo", "demo-1"));
        assertEquals(List.of(), DemoApp.divergentEntries(cluster, ns, "demo", "demo-0", "demo-1", "demo-2"));
        assertTrue(sequence(ns, "demo-1") > s2, "the cluster moved on from " + s2);
    }

    @Test
    void aWrongSeedIsDetectable() throws Exception {
        String ns = "wrong";
        startThree(ns);
        for (int i = 0; i < 3; i++) {
            ok(hook(ns, "demo-" + i, HookKind.STOP));
            int now = DemoApp.acked(cluster, ns, "demo").size();
            awaitAcked(ns, i < 2 ? now + 3 : now);
        }
        // seeding the OLDEST copy: it writes new entries over numbers already acknowledged
        ok(hook(ns, "demo-0", HookKind.SEED));
        long before = sequence(ns, "demo-2");
        SimulatedCluster.await("demo-0 to pass demo-2's old sequence", WAIT, () -> {
            try {
                return sequence(ns, "demo-0") > before ? true : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertFalse(DemoApp.divergentEntries(cluster, ns, "demo", "demo-0").isEmpty(),
                "demo-0 rewrote acknowledged entries");
        // and the newer copy refuses to join it: its history would be reversed... or has diverged
        HookResult refused = hook(ns, "demo-2", HookKind.PRIMARY, peer(ns, 0));
        assertEquals(new HookOutcome.Exited(1), refused.outcome());
        assertTrue(refused.stderr().text().contains("refusing to join"), refused.stderr().text());
        ok(hook(ns, "demo-0", HookKind.STOP));
    }

    @Test
    void aCopyAheadOfItsPeerRefusesToJoin() throws Exception {
        String ns = "ahead";
        cluster.client().apps().statefulSets().resource(DemoApp.statefulSet(ns, "demo", 2)).create();
        cluster.awaitPods(ns, "demo", 2, WAIT);
        Files.writeString(cluster.dataDir(ns, "demo-1").resolve("log"), "1 demo-1 aa\n2 demo-1 bb\n3 demo-1 cc\n");
        ok(hook(ns, "demo-0", HookKind.SEED)); // seq 0 and growing, but slower than we ask
        HookResult r = hook(ns, "demo-1", HookKind.PRIMARY, peer(ns, 0));
        assertEquals(new HookOutcome.Exited(1), r.outcome());
        assertTrue(r.stderr().text().contains("refusing to join"), r.stderr().text());
        assertEquals(StatusReport.NOT_RUNNING, status(ns, "demo-1"));
        HookResult noPeer = hook(ns, "demo-1", HookKind.PRIMARY, DemoApp.fqdn(ns, "demo", "demo-9"));
        assertEquals(new HookOutcome.Exited(1), noPeer.outcome());
        assertTrue(noPeer.stderr().text().contains("no live peer"), noPeer.stderr().text());
        ok(hook(ns, "demo-0", HookKind.STOP));
    }

    @Test
    void anUnreadableLogMakesTheSequenceUnknown() throws Exception {
        String ns = "corrupt";
        cluster.createPod(ns, "demo-0", DemoApp.CONTAINER);
        Files.writeString(cluster.dataDir(ns, "demo-0").resolve("log"), "1 a b\ngarbage\n");
        HookResult r = hook(ns, "demo-0", HookKind.SEQUENCE);
        SequenceResult s = hooks.parseSequence(r);
        SequenceResult.Unknown u = assertInstanceOf(SequenceResult.Unknown.class, s);
        assertTrue(u.reason().contains("corrupt log"), u.reason());
    }

    @Test
    void aPowerCutKillsEveryDaemonAndTheNewestCopyRecoversEverything() throws Exception {
        String ns = "power";
        startThree(ns);
        cluster.cutPower(ns, "demo");
        cluster.awaitPods(ns, "demo", 3, WAIT);
        long best = -1;
        int bestPod = -1;
        for (int i = 0; i < 3; i++) {
            assertEquals(StatusReport.NOT_RUNNING, status(ns, "demo-" + i), "demo-" + i + " runs nothing after the cut");
            long s = sequence(ns, "demo-" + i);
            if (s > best) {
                best = s;
                bestPod = i;
            }
        }
        int acked = DemoApp.acked(cluster, ns, "demo").size();
        assertTrue(best >= acked, "the newest copy has every acknowledged entry: " + best + " >= " + acked);
        ok(hook(ns, "demo-" + bestPod, HookKind.SEED));
        for (int i = 0; i < 3; i++) {
            if (i != bestPod) {
                ok(hook(ns, "demo-" + i, HookKind.PRIMARY, peer(ns, bestPod)));
            }
        }
        awaitAcked(ns, acked + 10);
        for (int i = 0; i < 3; i++) {
            ok(hook(ns, "demo-" + i, HookKind.STOP));
        }
        // the last one stopped has every acknowledged entry; none contradicts one
        assertEquals(List.of(), DemoApp.lostEntries(cluster, ns, "demo", "demo-2"));
        assertEquals(List.of(), DemoApp.divergentEntries(cluster, ns, "demo", "demo-0", "demo-1", "demo-2"));
    }
}
