package org.clusterlabs.rss.hooks;

import org.clusterlabs.rss.recovery.HookKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hook runner against the simulated kubelet: fabric8's real exec client talks to the mock API server, which
 * runs each argv as a local process.
 */
class HookExecutorTest {

    static final String NS = "hooks";
    static final String POD = "app-0";
    static final String C = "main";
    static SimulatedCluster cluster;
    static HookExecutor hooks;
    static SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void start() throws Exception {
        cluster = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(false));
        cluster.createPod(NS, POD, C);
        hooks = new HookExecutor(cluster.client(), 32, 64 * 1024, new RssMetrics(registry));
        run(HookKind.STATUS, List.of("true"), Duration.ofSeconds(20)); // warm up the JVM's exec path
    }

    @AfterAll
    static void stop() {
        hooks.shutdown();
        cluster.close();
    }

    static HookResult run(HookKind hook, List<String> argv, Duration timeout) throws Exception {
        return run(POD, C, hook, argv, timeout, NS + "/app");
    }

    static HookResult run(String pod, String container, HookKind hook, List<String> argv, Duration timeout, String owner)
            throws Exception {
        return hooks.run(new HookInvocation(NS, pod, container, hook, argv, timeout, owner))
                .toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    static List<String> sh(String script) {
        return List.of("sh", "-c", script);
    }

    @ParameterizedTest
    @CsvSource({ "0, RUNNING_SECONDARY", "7, NOT_RUNNING", "8, RUNNING_PRIMARY", "3, FAILED" })
    void exitCodesMapToOutcomesAndStatuses(int code, StatusReport expected) throws Exception {
        HookResult r = run(HookKind.STATUS, sh("exit " + code), Duration.ofSeconds(10));
        if (code == 0) {
            assertInstanceOf(HookOutcome.Succeeded.class, r.outcome());
        } else {
            assertEquals(new HookOutcome.Exited(code), r.outcome());
        }
        assertEquals(code, r.exitCode().getAsInt());
        assertEquals(expected, HookResults.statusOf(r));
    }

    @Test
    void aTimeoutIsRealAndTheCommandRunsOnAsOnARealKubelet() throws Exception {
        long t0 = System.nanoTime();
        HookResult r = run(HookKind.SEQUENCE, List.of("sleep", "7"), Duration.ofSeconds(1));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertInstanceOf(HookOutcome.TimedOut.class, r.outcome());
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "TimedOut after " + took);
        assertEquals(StatusReport.FAILED, HookResults.statusOf(r));
        assertInstanceOf(SequenceResult.Unknown.class, HookResults.parseSequence(r));
        ExecRecord rec = lastExec(List.of("sleep", "7"));
        Thread.sleep(1000);
        assertTrue(rec.alive(), "closing the stream does not end the command: a real kubelet lets it run");
        assertFalse(rec.killedByClose());
        System.out.printf("[figures] timeout 1s -> TimedOut after %d ms%n", took.toMillis());
    }

    @Test
    void killAfterTimeoutBoundsTheCommandInThePod() throws Exception {
        // what HookInvocations builds for killAfterTimeout: the command cannot outlive its timeout in the pod
        HookResult r = run(HookKind.SEED, List.of("timeout", "-k", "1.000s", "1.000s", "sleep", "30"),
                Duration.ofSeconds(4));
        assertEquals(new HookOutcome.Exited(124), r.outcome(), r::describe);
        ExecRecord rec = lastExec(List.of("timeout", "-k", "1.000s", "1.000s", "sleep", "30"));
        assertFalse(rec.alive());
    }

    @Test
    void fiftyMegabytesOfStdoutEndTheExecAtTheCapWithoutGrowingTheHeap() throws Exception {
        long before = usedHeapAfterGc();
        long t0 = System.nanoTime();
        HookResult r = run(HookKind.SEQUENCE, sh("head -c 52428800 /dev/zero | tr '\\0' 'x'; echo done >&2"),
                Duration.ofSeconds(60));
        long took = (System.nanoTime() - t0) / 1_000_000;
        long after = usedHeapAfterGc();
        assertEquals(new HookOutcome.OutputCapExceeded("stdout", 64 * 1024), r.outcome(), r::describe);
        assertTrue(r.stdout().truncated());
        assertEquals(64 * 1024, r.stdout().bytes().length);
        assertTrue(r.stdout().totalBytes() < 1024 * 1024, "stopped reading at the cap, read "
                + r.stdout().totalBytes() + " of 50 MiB");
        long growth = after - before;
        System.out.printf("[figures] 50 MB stdout: ended at the cap after %d ms, %d bytes read, heap growth %d KiB%n",
                took, r.stdout().totalBytes(), growth / 1024);
        // Other tests' operators may run in this JVM: the bound is loose, 50 MiB held would still break it.
        assertTrue(growth < 32L * 1024 * 1024, "heap grew by " + growth / 1024 + " KiB");
        SequenceResult.Unknown seq = assertInstanceOf(SequenceResult.Unknown.class, HookResults.parseSequence(r));
        assertTrue(seq.reason().contains("65536 bytes on stdout"), seq.reason());
    }

    @Test
    void stderrIsCapturedSeparately() throws Exception {
        HookResult r = run(HookKind.PRIMARY, sh("echo to-out; echo to-err >&2; echo more-err >&2; exit 2"),
                Duration.ofSeconds(10));
        assertEquals("to-out\n", r.stdout().text());
        assertEquals("to-err\nmore-err\n", r.stderr().text());
        assertEquals("to-err", r.stderr().firstLine());
        assertEquals(new HookOutcome.Exited(2), r.outcome());
    }

    @Test
    void argvArrivesByteForByteAndNoShellRuns() throws Exception {
        Path pwned = Path.of("/tmp/pwned");
        Files.deleteIfExists(pwned);
        List<String> args = List.of("with space", "'single' \"double\"", "$(touch /tmp/pwned)", "`touch /tmp/pwned`",
                "line1\nline2", "ünïcødé ✓ 日本", "", "; rm -rf / #", "*", "$HOME");
        List<String> argv = new ArrayList<>();
        argv.add("printf");
        argv.add("%s\\0");
        argv.addAll(args);
        HookResult r = run(HookKind.SEED, argv, Duration.ofSeconds(10));
        assertInstanceOf(HookOutcome.Succeeded.class, r.outcome(), r::describe);
        String out = new String(r.stdout().bytes(), StandardCharsets.UTF_8);
        List<String> got = List.of(out.substring(0, out.length() - 1).split("\0", -1));
        assertEquals(args, got);
        assertEquals(argv, lastExec(argv).argv());
        assertFalse(Files.exists(pwned), "a shell ran: /tmp/pwned exists");
    }

    @Test
    void aMissingPodIsPodNotFoundNamingThePod() throws Exception {
        HookResult r = run("no-such-pod", C, HookKind.STATUS, List.of("true"), Duration.ofSeconds(10), NS + "/app");
        assertEquals(new HookOutcome.PodNotFound("no-such-pod"), r.outcome());
        assertTrue(r.describe().contains("no-such-pod"), r.describe());
        assertEquals(StatusReport.FAILED, HookResults.statusOf(r));
    }

    @Test
    void aMissingContainerIsContainerNotFound() throws Exception {
        HookResult r = run(POD, "sidecar", HookKind.STATUS, List.of("true"), Duration.ofSeconds(10), NS + "/app");
        HookOutcome.ContainerNotFound cnf = assertInstanceOf(HookOutcome.ContainerNotFound.class, r.outcome());
        assertEquals("sidecar", cnf.container());
    }

    @Test
    void aForbiddenAnswerIsForbidden() throws Exception {
        cluster.createPod(NS, "locked-0", C);
        cluster.server().expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/locked-0")
                .andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                        + "\"message\":\"pods \\\"locked-0\\\" is forbidden: User \\\"op\\\" cannot get resource \\\"pods\\\"\",\"code\":403}")
                .always();
        HookResult r = run("locked-0", C, HookKind.STATUS, List.of("true"), Duration.ofSeconds(10), NS + "/app");
        HookOutcome.Forbidden f = assertInstanceOf(HookOutcome.Forbidden.class, r.outcome());
        assertTrue(f.message().contains("forbidden"), f.message());
    }

    @Test
    void anUnreachableNodeIsAFailureNeverAStatus() throws Exception {
        io.fabric8.kubernetes.api.model.Pod p = cluster.createPod(NS, "far-0", C);
        p.getSpec().setNodeName("node-far");
        cluster.client().pods().inNamespace(NS).resource(p).update();
        cluster.setNodeReady("node-far", false);
        // the API server answers the upgrade with 500 (cannot dial the kubelet); fabric8 retries 5xx with backoff, so
        // the hook ends as TimedOut (or ConnectionLost once the retries are exhausted): never as an exit status
        HookResult r = run("far-0", C, HookKind.STATUS, List.of("true"), Duration.ofSeconds(2), NS + "/app");
        assertTrue(r.outcome() instanceof HookOutcome.TimedOut || r.outcome() instanceof HookOutcome.ConnectionLost,
                r::describe);
        assertTrue(r.exitCode().isEmpty());
        assertEquals(StatusReport.FAILED, HookResults.statusOf(r));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            printf 42                              | 0 | known 42
            printf '42\\n'                         | 0 | known 42
            printf '  7 \\n\\n'                    | 0 | known 7
            printf 9223372036854775807             | 0 | known 9223372036854775807
            printf banana                          | 0 | unknown "banana", not an integer
            printf ''                              | 0 | unknown printed nothing
            printf -- -1                           | 0 | unknown "-1", a negative number
            printf 99999999999999999999            | 0 | unknown overflows
            printf '1 2'                           | 0 | unknown "1 2", not an integer
            printf 0x10                            | 0 | unknown not an integer
            printf 42; exit 1                      | 0 | unknown exit 1
            echo oops >&2; exit 1                  | 0 | unknown oops
            """)
    void sequenceParsing(String script, int ignored, String expected) throws Exception {
        HookResult r = run(HookKind.SEQUENCE, sh(script), Duration.ofSeconds(10));
        SequenceResult s = HookResults.parseSequence(r);
        if (expected.startsWith("known ")) {
            assertEquals(new SequenceResult.Known(Long.parseLong(expected.substring(6))), s);
        } else {
            SequenceResult.Unknown u = assertInstanceOf(SequenceResult.Unknown.class, s);
            assertTrue(u.reason().contains(expected.substring(8)), u.reason());
            assertTrue(u.reason().contains(POD), u.reason());
        }
    }

    @Test
    void sequenceReasonQuotesTheOutput() throws Exception {
        HookResult r = run(HookKind.SEQUENCE, sh("echo banana"), Duration.ofSeconds(10));
        assertEquals(new SequenceResult.Unknown("sequence hook on app-0 printed \"banana\", not an integer"),
                HookResults.parseSequence(r));
    }

    @Test
    void anExecGivenThePodFromTheCacheDoesNotReadItFromTheServer() throws Exception {
        io.fabric8.kubernetes.api.model.Pod cached = cluster.client().pods().inNamespace(NS).withName(POD).get();
        String podPath = "/api/v1/namespaces/" + NS + "/pods/" + POD;
        int before = cluster.podReads().size();
        HookResult withCache = hooks.run(new HookInvocation(NS, POD, C, HookKind.STATUS, List.of("true"),
                Duration.ofSeconds(10), NS + "/app"), (inv, at) -> { }, cached, java.util.Optional::empty).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertInstanceOf(HookOutcome.Succeeded.class, withCache.outcome(), withCache::describe);
        assertEquals(List.of(), cluster.podReads().subList(before, cluster.podReads().size()).stream()
                .filter(p -> p.startsWith(podPath)).toList());

        before = cluster.podReads().size();
        run(HookKind.STATUS, List.of("true"), Duration.ofSeconds(10));
        // without it fabric8 reads the pod: a GET, or its zero-wait list by name when that answers first
        assertTrue(cluster.podReads().subList(before, cluster.podReads().size()).stream()
                .anyMatch(p -> p.startsWith(podPath) || p.contains("metadata.name%3D" + POD)
                        || p.contains("metadata.name=" + POD)), "without the cached pod fabric8 reads it first");
    }

    @Test
    void aHookWhosePreconditionNoLongerHoldsIsNotRun() throws Exception {
        List<String> argv = List.of("echo", "must-not-run");
        HookResult r = hooks.run(new HookInvocation(NS, POD, C, HookKind.PRIMARY, argv, Duration.ofSeconds(10),
                NS + "/app"), (inv, at) -> { }, null, () -> java.util.Optional.of("the pod of peer x is gone"))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(new HookOutcome.NotRun("the pod of peer x is gone"), r.outcome());
        assertTrue(cluster.execLog().stream().noneMatch(e -> e.argv().equals(argv)), "no exec was made");
    }

    @Test
    void twentyHooksOfOneResourceOnTwentyPodsRunConcurrently() throws Exception {
        List<CompletableFuture<HookResult>> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            cluster.createPod(NS, "par-" + i, C);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            all.add(hooks.run(new HookInvocation(NS, "par-" + i, C, HookKind.STATUS, List.of("sleep", "2"),
                    Duration.ofSeconds(30), NS + "/one-resource")).toCompletableFuture());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long wall = (System.nanoTime() - t0) / 1_000_000;
        for (var f : all) {
            assertInstanceOf(HookOutcome.Succeeded.class, f.get().outcome(), f.get()::describe);
        }
        List<ExecRecord> recs = cluster.execLog().stream().filter(e -> e.pod().startsWith("par-")).toList();
        assertEquals(20, recs.size());
        Instant lastStart = recs.stream().map(ExecRecord::started).max(Instant::compareTo).orElseThrow();
        Instant firstEnd = recs.stream().map(ExecRecord::ended).min(Instant::compareTo).orElseThrow();
        assertTrue(lastStart.isBefore(firstEnd), "all 20 processes ran at the same time: the last started at "
                + lastStart + ", the first ended at " + firstEnd);
        System.out.printf("[figures] 20 x 'sleep 2' on 20 pods: wall %d ms, start spread %d ms%n", wall,
                Duration.between(recs.stream().map(ExecRecord::started).min(Instant::compareTo).orElseThrow(), lastStart)
                        .toMillis());
    }

    @Test
    void anOwnersOwnLimitHoldsItsHooksAndNoOtherOwners() throws Exception {
        HookExecutor limited = new HookExecutor(cluster.client(), 32, 1024, null);
        try {
            List<CompletableFuture<HookResult>> all = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                all.add(limited.run(new HookInvocation(NS, POD, C, HookKind.STATUS, List.of("sleep", "1.5"),
                        Duration.ofSeconds(30), NS + "/one-owner", 3)).toCompletableFuture());
            }
            // another owner is not held behind them: its hook runs while the first three still sleep
            List<String> otherArgv = List.of("echo", "other-owner");
            HookResult other = limited.run(new HookInvocation(NS, POD, C, HookKind.STATUS, otherArgv,
                    Duration.ofSeconds(30), NS + "/other-owner")).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertInstanceOf(HookOutcome.Succeeded.class, other.outcome(), other::describe);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            List<ExecRecord> recs = cluster.execLog().stream()
                    .filter(e -> e.argv().equals(List.of("sleep", "1.5"))).toList();
            assertEquals(7, recs.size());
            Instant firstSleepEnded = recs.stream().map(ExecRecord::ended).min(Instant::compareTo).orElseThrow();
            assertTrue(lastExec(otherArgv).started().isBefore(firstSleepEnded),
                    "the other owner's hook started before a slot of the busy owner freed");
            int maxOverlap = 0;
            for (ExecRecord a : recs) {
                int n = 0;
                for (ExecRecord b : recs) {
                    if (!b.started().isAfter(a.started()) && b.ended().isAfter(a.started())) {
                        n++;
                    }
                }
                maxOverlap = Math.max(maxOverlap, n);
            }
            assertTrue(maxOverlap <= 3, "at most 3 at once, saw " + maxOverlap);
            assertTrue(all.stream().anyMatch(f -> f.join().queued().toMillis() > 100), "some waited for a slot");
        } finally {
            limited.shutdown();
        }
    }

    @Test
    void aDroppedConnectionIsConnectionLost() throws Exception {
        var stage = hooks.run(new HookInvocation(NS, POD, C, HookKind.SEQUENCE, List.of("sleep", "20"),
                Duration.ofSeconds(30), null)).toCompletableFuture();
        SimulatedCluster.await("the sleep to run", Duration.ofSeconds(10), () -> {
            try {
                return lastExec(List.of("sleep", "20")).pid() > 0 ? true : null;
            } catch (AssertionError e) {
                return null;
            }
        });
        long t0 = System.nanoTime();
        assertEquals(1, cluster.dropExecConnections(NS, POD));
        HookResult r = stage.get(10, TimeUnit.SECONDS);
        HookOutcome.ConnectionLost lost = assertInstanceOf(HookOutcome.ConnectionLost.class, r.outcome(), r::describe);
        assertTrue(lost.cause().contains("without an exit status"), lost.cause());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2000, "reported at once");
        assertInstanceOf(SequenceResult.Unknown.class, HookResults.parseSequence(r));
    }

    @Test
    void callersAreNeverBlocked() throws Exception {
        long t0 = System.nanoTime();
        var stage = hooks.run(new HookInvocation(NS, POD, C, HookKind.STOP, List.of("sleep", "1"), Duration.ofSeconds(10), null));
        long returnedAfter = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(returnedAfter < 500, "run() returned after " + returnedAfter + " ms, not at once (the hook takes 1 s)");
        assertInstanceOf(HookOutcome.Succeeded.class, stage.toCompletableFuture().get(30, TimeUnit.SECONDS).outcome());
    }

    @Test
    void aFailedHookIsLoggedOnceAtWarnWithPodHookOutcomeAndStderr() throws Exception {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(HookExecutor.class.getName());
        List<java.util.logging.LogRecord> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                String msg = r.getParameters() == null ? r.getMessage()
                        : String.format(r.getMessage(), r.getParameters());
                // INFO and above: the DEBUG lines (each exec's start and end) are not what this test counts
                if (msg.contains("warn-me-0") && r.getLevel().intValue() >= java.util.logging.Level.INFO.intValue()) {
                    seen.add(new java.util.logging.LogRecord(r.getLevel(), msg));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(h);
        try {
            cluster.createPod(NS, "warn-me-0", C);
            run("warn-me-0", C, HookKind.PRIMARY, sh("echo 'first line of trouble' >&2; echo second >&2; exit 4"),
                    Duration.ofSeconds(10), NS + "/app");
            run("warn-me-0", C, HookKind.STATUS, sh("exit 8"), Duration.ofSeconds(10), NS + "/app"); // an answer
        } finally {
            jul.removeHandler(h);
        }
        assertEquals(1, seen.size(), () -> String.valueOf(seen.stream().map(java.util.logging.LogRecord::getMessage).toList()));
        String msg = seen.get(0).getMessage();
        assertEquals(java.util.logging.Level.WARNING, seen.get(0).getLevel());
        assertTrue(msg.contains("warn-me-0") && msg.contains("hook=primary") && msg.contains("exit 4")
                && msg.contains("first line of trouble") && !msg.contains("second"), msg);
    }

    @Test
    void metricsAreTaggedByHookAndOutcome() throws Exception {
        run(HookKind.STOP, sh("exit 5"), Duration.ofSeconds(10));
        assertTrue(registry.get(RssMetrics.HOOK_EXECUTIONS).tag("hook", "stop").tag("outcome", "exited").counter()
                .count() >= 1);
        assertTrue(registry.get(RssMetrics.HOOK_DURATION).tag("hook", "stop").tag("outcome", "exited").timer()
                .count() >= 1);
    }

    static ExecRecord lastExec(List<String> argv) {
        List<ExecRecord> log = cluster.execLog();
        for (int i = log.size() - 1; i >= 0; i--) {
            if (log.get(i).argv().equals(argv)) {
                return log.get(i);
            }
        }
        throw new AssertionError("no exec of " + argv);
    }

    static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
