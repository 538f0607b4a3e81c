package org.clusterlabs.rss.galera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.GaleraNodes;
import org.clusterlabs.rss.testkit.RealAppRig;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.clusterlabs.rss.testkit.SimulatedClusterResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tier 3 (issue 6): the live operator recovers a REAL 3-node MariaDB Galera cluster after lights-outs, with zero
 * lost acknowledged rows. The port of {@code examples/galera/test/lights-out.sh} to the operator.
 *
 * <p>Each simulated pod {@code galera-N} (namespace {@value #NS}) is one real {@code mariadbd} started by the hooks of
 * {@code examples/galera/hooks} (mounted at {@code /hooks}) on loopback address {@code 127.0.0.1<N+1>} with the
 * default ports. Its datadir is {@code <pod data dir>/data} and its runtime dir {@code <pod data dir>/run} (the
 * template's first volumeMount {@code /var/lib/mysql} maps to the kit's per-pod data directory, which survives the
 * pod like a PVC). The peer FQDNs {@code galera-N.galera.galera-it.svc} resolve through tagged {@code /etc/hosts}
 * lines. The server inherits the exec's {@code RSS_SIM_POD_UID}, so the kit kills it when the pod is deleted.
 *
 * <p>One cluster is formed from nothing by the operator, then the cases run on it in sequence (its history grows):
 * most advanced = pod 0, 1, 2, all killed at once (tie: pod 0), and last the negative control (force-seed the least
 * advanced pod: rows are lost and Galera refuses with "Reversing history").
 *
 * <p>Runs as root (mariadbd {@code --user=mysql}, {@code /etc/hosts}); needs {@code .ci/install-galera.sh}. It
 * takes {@code flock /tmp/rss-galera-lights-out.lock}, like the shell harness, because addresses and names are fixed.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
@Tag("real-app")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GaleraLightsOutTest {

    static final String NS = "galera-it";
    static final String NAME = "galera";
    static final int N = 3;
    static final String HOSTS_TAG = "# rss-galera-it-test";
    static final Duration FORM_PATIENCE = Duration.ofSeconds(300);
    static final Duration RECOVERY_PATIENCE = Duration.ofSeconds(300);
    static final Duration SHORT = GaleraNodes.SHORT;

    static SimulatedCluster sim;
    static KubernetesClient client;
    static RealAppRig rig;
    static Process lockHolder;
    static boolean formed;
    static boolean split; // the negative control leaves the cluster split
    static GaleraNodes nodes;
    static final List<String> lines = new ArrayList<>();
    static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    /** Dumps what the operator and the servers say when a case fails, then lets JUnit report it. */
    @org.junit.jupiter.api.extension.RegisterExtension
    static final org.junit.jupiter.api.extension.TestWatcher DUMP = RealAppRig.onFailure(GaleraLightsOutTest::dump);

    // ------------------------------------------------------------------------------------------------ set-up

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/mariadbd")),
                "mariadbd is not installed: run .ci/install-galera.sh");
        assertThat(ProcessHandle.current().info().user().orElse("")).as("runs as root").isEqualTo("root");
        lockHolder = RealAppRig.lock(GaleraNodes.LOCK);

        MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one INFO line per API request otherwise
        sim = SimulatedClusterResource.cluster();
        client = sim.client();
        rig = new RealAppRig(client, NS, NAME);
        nodes = new GaleraNodes(N, GaleraLightsOutTest::pod, i -> sim.dataDir(NS, pod(i)), GaleraLightsOutTest::say);
        Path hooks = Path.of("examples/galera/hooks").toAbsolutePath();
        assertThat(hooks.resolve("seed")).isExecutable();
        sim.mount("/hooks", hooks);
        // mariadbd runs as mysql: every directory above the datadirs must be searchable by it
        for (int i = 0; i < N; i++) {
            RealAppRig.openUpTo(sim.dataDir(NS, pod(i)), sim.baseDir());
            sim.setPodEnv(NS, pod(i), "POD_IP", addr(i));
            sim.setPodEnv(NS, pod(i), "GALERA_BIND_ADDRESS", addr(i));
        }
        Files.setPosixFilePermissions(sim.baseDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) {
            names.put(fqdn(i), addr(i));
        }
        RealAppRig.hostsAdd(HOSTS_TAG, names);
        say("base dir " + sim.baseDir() + "; /etc/hosts has " + N + " tagged lines");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (client != null) {
                client.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).delete();
                for (int i = 0; i < N; i++) {
                    sim.killPodProcesses(NS, pod(i));
                }
            }
        } finally {
            int left = killOurMariadbds();
            if (left > 0) {
                say("safety net: killed " + left + " leftover mariadbd process(es)");
            }
            RealAppRig.release(HOSTS_TAG, lockHolder, lines);
        }
    }

    // ------------------------------------------------------------------------------------------------ cases

    @Test
    @Order(0)
    void theOperatorFormsAGaleraClusterFromNothing() throws Exception {
        Instant t0 = Instant.now();
        client.resource(resource()).create();
        ReplicatedStatefulSetStatus s = awaitRunning(1, FORM_PATIENCE);
        assertThat(s.getSeed().getPod()).as("fresh volumes all report 0: the tie goes to pod 0").isEqualTo(pod(0));
        nodes.awaitAllSynced();
        nodes.createTable(0);
        for (int i = 0; i < N; i++) {
            assertThat(nodes.statusVar(i, "wsrep_cluster_size")).isEqualTo("3");
        }
        say(String.format("formed from empty volumes in %.1fs, seed %s", RealAppRig.secondsSince(t0), s.getSeed().getPod()));
        formed = true;
    }

    @Test
    @Order(1)
    void mostAdvancedIsPod0() throws Exception {
        lightsOut(List.of(1, 2, 0), false);
    }

    @Test
    @Order(2)
    void mostAdvancedIsPod1() throws Exception {
        lightsOut(List.of(0, 2, 1), false);
    }

    @Test
    @Order(3)
    void mostAdvancedIsPod2() throws Exception {
        lightsOut(List.of(0, 1, 2), false);
    }

    @Test
    @Order(4)
    void allKilledAtOnceIsATieThatGoesToPod0() throws Exception {
        lightsOut(List.of(0, 1, 2), true);
    }

    @Test
    @Order(5)
    void negativeControlForcingTheLeastAdvancedSeedLosesRowsAndGaleraRefuses() throws Exception {
        Assumptions.assumeTrue(formed && !split, "the cluster was not formed");
        List<Integer> order = List.of(0, 1, 2);
        long epochBefore = status().getEpoch();
        pause(true);
        nodes.stopInOrder(order);
        Instant cut = Instant.now();
        sim.cutPower(NS, NAME);
        assertNoMariadbdLeft();
        int least = order.get(0);
        int most = order.get(N - 1);
        edit(r -> {
            r.getMetadata().getAnnotations().put(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION, pod(least));
            r.getSpec().setPaused(false);
            return r;
        });
        split = true;
        ReplicatedStatefulSetStatus s = await().atMost(RECOVERY_PATIENCE).pollInterval(Duration.ofMillis(500))
                .until(GaleraLightsOutTest::status, x -> x.getSeed() != null && x.getEpoch() != null
                        && x.getEpoch() > epochBefore && x.getSeed().getEpoch() != null
                        && x.getSeed().getEpoch() > epochBefore);
        assertThat(s.getSeed().getPod()).isEqualTo(pod(least));
        assertThat(s.getSeed().getForced()).isTrue();
        // The forced seed runs as a one-node Primary Component; the more advanced copies refuse to join it.
        await().atMost(RECOVERY_PATIENCE).until(() -> "Synced".equals(nodes.statusVarOrNull(least,
                "wsrep_local_state_comment")));
        long lost = nodes.lost(least);
        List<Event> failed = await().atMost(RECOVERY_PATIENCE).pollInterval(Duration.ofSeconds(1))
                .until(() -> events("MemberFailed").stream()
                        .filter(e -> afterOrAt(e, cut))
                        .filter(e -> e.getMessage() != null && e.getMessage().contains("primary hook on "))
                        .toList(), l -> !l.isEmpty());
        say("MemberFailed events after the forced seed: "
                + failed.stream().map(e -> e.getType() + " " + e.getMessage()).toList());
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (i != least && Files.exists(errorLog(i)) && Files.readString(errorLog(i), StandardCharsets.ISO_8859_1)
                    .contains("Reversing history")) {
                refused.add(pod(i));
            }
        }
        for (String p : refused) {
            Files.readAllLines(errorLog(SimulatedCluster.ordinalOf(p)), StandardCharsets.ISO_8859_1).stream()
                    .filter(l -> l.contains("Reversing history")).forEach(l -> say("  " + p + ": " + l.strip()));
        }
        String line = "galera lights-out: order=" + RealAppRig.join(order) + " seed=" + least + " acked="
                + nodes.acked().size() + " lost=" + lost + " recovery_s=n/a hooks_s=n/a (NEGATIVE CONTROL: forced "
                + "least advanced seed; expected lost>0 and Reversing history)";
        System.out.println(line);
        lines.add(line);
        assertThat(lost).as("the same check detects the loss of a wrong seed").isGreaterThan(0);
        assertThat(refused).as("Galera refused a more advanced copy (\"Reversing history\" in its error log)")
                .isNotEmpty();
        assertThat(failed).allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
        assertThat(failed).as("the refusal surfaces as a MemberFailed Warning event naming the refused copy's "
                + "primary hook").anySatisfy(e -> assertThat(refused.stream()
                        .anyMatch(p -> e.getMessage().contains("primary hook on " + p))).isTrue());
        assertThat(failed).as("Galera's own reason, \"Reversing history\", in a MemberFailed event message")
                .anySatisfy(e -> assertThat(e.getMessage()).contains("Reversing history"));
    }

    @Test
    @Order(6)
    void aPowerCutKillsEveryMariadbdThroughThePodMarker() throws Exception {
        Assumptions.assumeTrue(formed, "the cluster was not formed");
        pause(true);
        if (ourMariadbds().isEmpty()) { // the negative control did not run: start one server to check on
            edit(r -> {
                r.getSpec().setPaused(false);
                return r;
            });
            await().atMost(RECOVERY_PATIENCE).until(() -> !ourMariadbds().isEmpty());
            pause(true);
        }
        List<Long> running = ourMariadbds();
        for (long pid : running) {
            String env = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
            assertThat(env).as("mariadbd " + pid + " inherited the exec's pod marker").contains("RSS_SIM_POD_UID=");
        }
        sim.cutPower(NS, NAME);
        assertNoMariadbdLeft();
        say("the power cut killed " + running.size() + " running mariadbd through RSS_SIM_POD_UID: " + running);
    }

    // ------------------------------------------------------------------------------------------------ one case

    private void lightsOut(List<Integer> order, boolean killAll) throws Exception {
        Assumptions.assumeTrue(formed && !split, "the cluster was not formed");
        ReplicatedStatefulSetStatus before = status();
        long epochBefore = before.getEpoch();
        String orderS = killAll ? "kill-all" : RealAppRig.join(order);
        int expected = killAll ? 0 : order.get(N - 1);
        say("=== case order=" + orderS + ", expected seed " + pod(expected));
        Instant cut;
        if (killAll) {
            // a real lights-out under a live operator: every server dies at once, no pause
            for (int i : order) {
                nodes.write(i);
            }
            List<Long> pids = new ArrayList<>();
            for (int i : order) {
                pids.add(nodes.serverPid(i));
            }
            cut = Instant.now();
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly)); // all at once
            sim.cutPower(NS, NAME);
            pids.forEach(pid -> awaitGone(pid, Duration.ofSeconds(30)));
            say("SIGKILL galera-0,1,2 at once, then the power cut (operator live)");
        } else {
            // paused, so the live operator does not restart the copies we stop one by one
            pause(true);
            nodes.stopInOrder(order);
            cut = Instant.now();
            sim.cutPower(NS, NAME);
        }
        assertNoMariadbdLeft();
        if (!killAll) {
            edit(r -> {
                r.getSpec().setPaused(false);
                return r;
            });
        }
        say("power cut; " + nodes.acked().size() + " acknowledged rows so far");

        RealAppRig.Tracer tracer = rig.new Tracer(cut, GaleraLightsOutTest::say);
        ReplicatedStatefulSetStatus s = await().atMost(RECOVERY_PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(tracer::status, x -> x.getPhase() == Phase.Running && x.getPrimaries() != null
                        && x.getPrimaries() == N && x.getEpoch() != null && x.getEpoch() > epochBefore
                        && x.getSeed() != null && x.getSeed().getEpoch() != null
                        && x.getSeed().getEpoch() > epochBefore);
        double recoveryS = RealAppRig.secondsSince(cut);
        say("Running with 3 primaries after " + String.format("%.2f", recoveryS) + "s; members "
                + s.getMembers().stream().map(m -> m.getPod() + "=" + m.getSequence()).toList()
                + "; seed " + s.getSeed().getPod() + "@" + s.getSeed().getSequence());

        // -- verify on the real servers
        nodes.awaitAllSynced();
        List<String> sums = nodes.assertOneCluster();
        long lost = nodes.lost(0);
        double hooksS = criticalPath(cut, s.getSeed().getPod());
        String line = "galera lights-out: order=" + orderS + " seed=" + SimulatedCluster.ordinalOf(s.getSeed().getPod())
                + " acked=" + nodes.acked().size() + " lost=" + lost + " recovery_s=" + String.format("%.2f", recoveryS)
                + " hooks_s=" + String.format("%.2f", hooksS);
        System.out.println(line);
        lines.add(line);

        Map<String, Long> seq = s.getMembers().stream().filter(m -> m.getSequence() != null)
                .collect(Collectors.toMap(m -> m.getPod(), m -> m.getSequence()));
        assertThat(seq).as("every copy reported its sequence").hasSize(N);
        if (killAll) {
            // SIGKILLs one after the other are not atomic on a loaded machine: a copy killed a moment later may
            // hold more, and then it must win; with a real tie, pod 0 must
            long best = seq.values().stream().max(Long::compare).orElseThrow();
            expected = java.util.stream.IntStream.range(0, N).filter(i -> seq.get(pod(i)) == best).min().orElseThrow();
        }
        assertThat(s.getSeed().getPod()).as("the seed is the most advanced pod (ties: lowest ordinal) " + seq)
                .isEqualTo(pod(expected));
        if (!killAll) {
            for (int k = 1; k < N; k++) {
                assertThat(seq.get(pod(order.get(k)))).as("the stop order gives strictly increasing sequences " + seq)
                        .isGreaterThan(seq.get(pod(order.get(k - 1))));
            }
        }
        assertThat(s.getSeed().getSequence()).as("the seed holds the highest sequence")
                .isEqualTo(seq.values().stream().max(Long::compare).orElseThrow());
        assertThat(sums).as("the same table checksum on all three").containsOnly(sums.get(0));
        assertThat(lost).as("acknowledged rows missing").isZero();
    }

    // ------------------------------------------------------------------------------------------------ operator

    static ReplicatedStatefulSet resource() {
        ReplicatedStatefulSet rss = RealAppRig.resource(NS, NAME, N, "mariadb", "mariadb:10.11", "/var/lib/mysql",
                GaleraNodes.env("/var/lib/mysql/data", "/var/lib/mysql/run"), "mysql", 3306,
                Map.of("sequence", "120s", "seed", "150s", "primary", "150s", "stop", "60s"), "15s", "2s");
        rss.getSpec().getRecovery().setPrimaryStart(RecoverySpec.PrimaryStartPolicy.Serial);
        return rss;
    }

    static ReplicatedStatefulSetStatus status() {
        return rig.status();
    }

    static void edit(UnaryOperator<ReplicatedStatefulSet> change) {
        rig.edit(change);
    }

    static void pause(boolean paused) {
        rig.pause(paused, SHORT);
    }

    static ReplicatedStatefulSetStatus awaitRunning(long minEpoch, Duration patience) {
        return await().atMost(patience).pollInterval(Duration.ofMillis(200)).until(GaleraLightsOutTest::status,
                s -> s.getPhase() == Phase.Running && s.getPrimaries() != null && s.getPrimaries() == N
                        && s.getEpoch() != null && s.getEpoch() >= minEpoch && s.getSeed() != null);
    }

    static List<Event> events(String reason) {
        return rig.events(reason);
    }

    private static boolean afterOrAt(Event e, Instant t) {
        String ts = e.getLastTimestamp() != null ? e.getLastTimestamp()
                : e.getEventTime() != null ? e.getEventTime().getTime() : e.getFirstTimestamp();
        if (ts == null) {
            return true;
        }
        try {
            return !Instant.parse(ts).isBefore(t.minusSeconds(1));
        } catch (RuntimeException ex) {
            return true;
        }
    }

    /**
     * The hooks on the critical path of the recovery that began at {@code cut}, from the kit's exec log: the slowest
     * successful sequence of the round that elected the seed, plus the seed, plus each primary join (serial).
     */
    static double criticalPath(Instant cut, String seedPod) {
        List<ExecRecord> log = rig.execsSince(sim, cut);
        ExecRecord seed = RealAppRig.firstSuccess(log, "/hooks/seed", seedPod);
        Map<String, ExecRecord> lastSeq = RealAppRig.lastRoundBefore(log, "/hooks/sequence", seed.started());
        double seqS = lastSeq.values().stream().mapToDouble(GaleraLightsOutTest::seconds).max().orElse(0);
        Map<String, ExecRecord> joins = new LinkedHashMap<>();
        log.stream().filter(e -> cmd(e).equals("/hooks/primary") && !e.started().isBefore(seed.started())
                        && e.exitCode() != null && e.exitCode() == 0)
                .forEach(e -> joins.putIfAbsent(e.pod(), e));
        double total = seqS + seconds(seed) + joins.values().stream().mapToDouble(GaleraLightsOutTest::seconds).sum();
        say(String.format("critical path: sequence round %.2fs %s, seed %s %.2fs, joins %s", seqS,
                lastSeq.values().stream().map(e -> e.pod() + "=" + String.format("%.2f", seconds(e))).toList(),
                seedPod, seconds(seed),
                joins.values().stream().map(e -> e.pod() + "=" + String.format("%.2f", seconds(e))).toList()));
        double seqStart = lastSeq.values().stream().mapToDouble(e -> offset(cut, e.started())).min().orElse(-1);
        double joinsEnd = joins.values().stream().filter(e -> e.ended() != null)
                .mapToDouble(e -> offset(cut, e.ended())).max().orElse(-1);
        say(String.format("timeline since the cut: sequence round starts +%.2fs, seed +%.2f..+%.2fs, last join "
                + "ends +%.2fs", seqStart, offset(cut, seed.started()), offset(cut, seed.ended()), joinsEnd));
        log.stream().filter(e -> e.exitCode() != null && e.exitCode() != 0
                && (cmd(e).equals("/hooks/primary") || cmd(e).equals("/hooks/seed"))).forEach(e -> {
                    try {
                        int i = SimulatedCluster.ordinalOf(e.pod());
                        say("  " + e + " failed after " + seconds(e) + "s; WSREP errors/warnings in " + e.pod()
                                + "'s error log:");
                        Files.readAllLines(errorLog(i), StandardCharsets.ISO_8859_1).stream()
                                .filter(l -> l.contains("[ERROR]") || l.contains("[Warning] WSREP")
                                        || l.contains("SST") || l.contains("IST") || l.contains("Must abort"))
                                .reduce(new ArrayList<String>(), (acc, l) -> {
                                    acc.add(l);
                                    if (acc.size() > 30) {
                                        acc.remove(0);
                                    }
                                    return acc;
                                }, (a, b) -> a).forEach(l -> say("    " + l));
                    } catch (IOException ex) {
                        say("    (no error log: " + ex + ")");
                    }
                });
        long failedHooks = log.stream().filter(e -> e.exitCode() != null && e.exitCode() != 0
                && !cmd(e).equals("/hooks/status")).count();
        if (failedHooks > 0) {
            say("note: " + failedHooks + " non-status hook exec(s) failed during this recovery: "
                    + log.stream().filter(e -> e.exitCode() != null && e.exitCode() != 0
                            && !cmd(e).equals("/hooks/status")).map(ExecRecord::toString).toList());
        }
        return total;
    }

    private static double offset(Instant cut, Instant t) {
        return t == null ? -1 : Duration.between(cut, t).toMillis() / 1000.0;
    }

    private static String cmd(ExecRecord e) {
        return RealAppRig.cmd(e);
    }

    private static double seconds(ExecRecord e) {
        return RealAppRig.seconds(e);
    }

    // ------------------------------------------------------------------------------------------------ processes

    private static void awaitGone(long pid, Duration timeout) {
        RealAppRig.awaitGone(pid, timeout);
    }

    /** Live (non-zombie) mariadbd processes whose command line names a path under the kit's base dir. */
    static List<Long> ourMariadbds() {
        return sim == null ? List.of() : GaleraNodes.mariadbds(sim.baseDir());
    }

    static int killOurMariadbds() {
        return sim == null ? 0 : GaleraNodes.killMariadbds(sim.baseDir());
    }

    /** After a power cut nothing of the pods runs: the kit killed every mariadbd through its env marker. */
    static void assertNoMariadbdLeft() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ourMariadbds()).as("mariadbd left after the power cut").isEmpty());
    }

    static void dump(String why) {
        try {
            rig.dump(sim, why, GaleraLightsOutTest::say);
            for (int i = 0; i < N; i++) {
                RealAppRig.tail(errorLog(i), 15, GaleraLightsOutTest::say);
            }
        } catch (Exception | AssertionError e) {
            say("  (diagnosis failed: " + e + ")");
        }
    }

    // ------------------------------------------------------------------------------------------------ hosts, names

    static String pod(int i) {
        return NAME + "-" + i;
    }

    static String addr(int i) {
        return "127.0.0.1" + (i + 1);
    }

    static String fqdn(int i) {
        return pod(i) + "." + NAME + "." + NS + ".svc";
    }

    static Path errorLog(int i) {
        return nodes.errorLog(i);
    }

    static final Instant T0 = Instant.now();

    static void say(String s) {
        System.out.printf("[galera %6.1fs] %s%n", RealAppRig.secondsSince(T0), s);
    }
}
