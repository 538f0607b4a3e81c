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
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.ExecRecord;
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
    static final int ROWS_PER_PHASE = 40;
    static final String HOSTS_TAG = "# rss-galera-it-test";
    static final String LOCK = "/tmp/rss-galera-lights-out.lock";
    static final String EVS = "evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;"
            + "evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S";
    static final Duration FORM_PATIENCE = Duration.ofSeconds(300);
    static final Duration RECOVERY_PATIENCE = Duration.ofSeconds(300);
    static final Duration SHORT = Duration.ofSeconds(60);

    static SimulatedCluster sim;
    static KubernetesClient client;
    static RealAppRig rig;
    static Process lockHolder;
    static boolean formed;
    static boolean split; // the negative control leaves the cluster split
    static final Set<Long> acked = new TreeSet<>();
    static long nextId = 1;
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
        lockHolder = RealAppRig.lock(LOCK);

        MOCK_LOG.setLevel(java.util.logging.Level.WARNING); // one INFO line per API request otherwise
        sim = SimulatedClusterResource.cluster();
        client = sim.client();
        rig = new RealAppRig(client, NS, NAME);
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
        awaitAllSynced();
        sql(0, "CREATE DATABASE rss; CREATE TABLE rss.acked (id BIGINT PRIMARY KEY, via INT NOT NULL, "
                + "note VARCHAR(100), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
        for (int i = 0; i < N; i++) {
            assertThat(statusVar(i, "wsrep_cluster_size")).isEqualTo("3");
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
        stopInOrder(order);
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
        await().atMost(RECOVERY_PATIENCE).until(() -> "Synced".equals(statusVarOrNull(least,
                "wsrep_local_state_comment")));
        long lost = lost(least);
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
        String line = "galera lights-out: order=" + RealAppRig.join(order) + " seed=" + least + " acked=" + acked.size()
                + " lost=" + lost + " recovery_s=n/a hooks_s=n/a (NEGATIVE CONTROL: forced least advanced seed; "
                + "expected lost>0 and Reversing history)";
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
                write(i);
            }
            List<Long> pids = new ArrayList<>();
            for (int i : order) {
                pids.add(serverPid(i));
            }
            cut = Instant.now();
            pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly)); // all at once
            sim.cutPower(NS, NAME);
            pids.forEach(pid -> awaitGone(pid, Duration.ofSeconds(30)));
            say("SIGKILL galera-0,1,2 at once, then the power cut (operator live)");
        } else {
            // paused, so the live operator does not restart the copies we stop one by one
            pause(true);
            stopInOrder(order);
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
        say("power cut; " + acked.size() + " acknowledged rows so far");

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
        awaitAllSynced();
        List<String> sums = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            assertThat(statusVar(i, "wsrep_cluster_size")).as(pod(i) + " cluster size").isEqualTo("3");
            assertThat(statusVar(i, "wsrep_cluster_status")).as(pod(i)).isEqualTo("Primary");
            sums.add(sql(i, "CHECKSUM TABLE rss.acked").trim().split("\t")[1]);
        }
        String uuid = statusVar(0, "wsrep_cluster_state_uuid");
        for (int i = 1; i < N; i++) {
            assertThat(statusVar(i, "wsrep_cluster_state_uuid")).as("one cluster").isEqualTo(uuid);
        }
        long lost = lost(0);
        double hooksS = criticalPath(cut, s.getSeed().getPod());
        String line = "galera lights-out: order=" + orderS + " seed=" + SimulatedCluster.ordinalOf(s.getSeed().getPod())
                + " acked=" + acked.size() + " lost=" + lost + " recovery_s=" + String.format("%.2f", recoveryS)
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

    /** Writes through each pod in order; SIGTERMs all but the last (clean stops), SIGKILLs the last. */
    private static void stopInOrder(List<Integer> order) throws Exception {
        for (int k = 0; k < order.size(); k++) {
            int i = order.get(k);
            write(i);
            long pid = serverPid(i);
            boolean last = k == order.size() - 1;
            ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no mariadbd " + pid));
            if (last) {
                h.destroyForcibly();
            } else {
                h.destroy(); // SIGTERM: a clean shutdown writes the seqno to grastate.dat
            }
            awaitGone(pid, Duration.ofSeconds(120));
            say((last ? "SIGKILL " : "SIGTERM ") + pod(i) + (last ? " (most advanced)" : " (clean stop)"));
        }
    }

    // ------------------------------------------------------------------------------------------------ writer

    /** Inserts ROWS_PER_PHASE autocommit rows through pod i; records the ids the server acknowledged. */
    private static void write(int i) throws Exception {
        StringBuilder in = new StringBuilder();
        long first = nextId;
        for (int k = 0; k < ROWS_PER_PHASE; k++) {
            long id = nextId++;
            in.append("INSERT INTO rss.acked (id, via, note) VALUES (").append(id).append(", ").append(i)
                    .append(", REPEAT('x', 64)); SELECT ").append(id).append(";\n");
        }
        RealAppRig.Result r = client(i, in.toString(), List.of());
        int ok = 0;
        for (String l : r.out().split("\n")) {
            if (!l.isBlank()) {
                long id = Long.parseLong(l.trim());
                if (id >= first && id < nextId) {
                    acked.add(id);
                    ok++;
                }
            }
        }
        say("wrote " + ok + "/" + ROWS_PER_PHASE + " acknowledged rows via " + pod(i) + " (acked total "
                + acked.size() + ")" + (r.rc() == 0 ? "" : ", client exit " + r.rc() + ": " + r.err().strip()));
        assertThat(ok).as("rows acknowledged by a healthy node").isEqualTo(ROWS_PER_PHASE);
    }

    private static long lost(int i) throws Exception {
        Set<Long> present = new TreeSet<>();
        for (String l : sql(i, "SELECT id FROM rss.acked").split("\n")) {
            if (!l.isBlank()) {
                present.add(Long.parseLong(l.trim()));
            }
        }
        return acked.stream().filter(id -> !present.contains(id)).count();
    }

    // ------------------------------------------------------------------------------------------------ SQL

    private static RealAppRig.Result client(int i, String stdin, List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mariadb", "--no-defaults",
                "--socket=" + sim.dataDir(NS, pod(i)).resolve("run/mysqld.sock"), "-uroot", "--batch",
                "--skip-column-names", "--connect-timeout=10"));
        cmd.addAll(extra);
        RealAppRig.Result r = RealAppRig.run(cmd, stdin, Duration.ofSeconds(120));
        if (r.rc() == -1) {
            throw new AssertionError("mariadb client on " + pod(i) + " timed out");
        }
        return r;
    }

    private static String sql(int i, String statement) throws Exception {
        RealAppRig.Result r = client(i, statement + "\n", List.of());
        if (r.rc() != 0) {
            throw new AssertionError("SQL on " + pod(i) + " failed (" + r.rc() + "): " + r.err().strip());
        }
        return r.out();
    }

    private static String statusVar(int i, String name) throws Exception {
        String out = sql(i, "SHOW GLOBAL STATUS LIKE '" + name + "'").trim();
        String[] f = out.split("\t");
        return f.length > 1 ? f[1] : "";
    }

    private static String statusVarOrNull(int i, String name) {
        try {
            return statusVar(i, name);
        } catch (Exception | AssertionError e) {
            return null;
        }
    }

    private static void awaitAllSynced() {
        await().atMost(SHORT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int i = 0; i < N; i++) {
                assertThat(statusVarOrNull(i, "wsrep_local_state_comment")).as(pod(i)).isEqualTo("Synced");
                assertThat(statusVarOrNull(i, "wsrep_cluster_size")).as(pod(i)).isEqualTo("3");
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ operator

    static ReplicatedStatefulSet resource() {
        ReplicatedStatefulSet rss = RealAppRig.resource(NS, NAME, N, "mariadb", "mariadb:10.11", "/var/lib/mysql",
                Map.of(
                        "GALERA_DATADIR", "/var/lib/mysql/data",
                        "GALERA_RUNDIR", "/var/lib/mysql/run",
                        "GALERA_PROVIDER_OPTIONS", EVS,
                        "GALERA_SST_METHOD", "rsync",
                        "GALERA_START_TIMEOUT", "130",
                        "GALERA_STOP_TIMEOUT", "50",
                        "GALERA_RECOVER_TIMEOUT", "100"), "mysql", 3306,
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

    private static long serverPid(int i) throws IOException {
        Path pidFile = sim.dataDir(NS, pod(i)).resolve("run/mysqld.pid");
        return Long.parseLong(Files.readString(pidFile).replaceAll("[^0-9]", ""));
    }

    private static void awaitGone(long pid, Duration timeout) {
        RealAppRig.awaitGone(pid, timeout);
    }

    /** Live (non-zombie) mariadbd processes whose command line names a path under the kit's base dir. */
    static List<Long> ourMariadbds() {
        return sim == null ? List.of() : RealAppRig.processes("mariadbd", sim.baseDir().toString() + "/");
    }

    static int killOurMariadbds() {
        List<Long> pids = ourMariadbds();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        return pids.size();
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
        return sim.dataDir(NS, pod(i)).resolve("data/mariadb.err");
    }

    static final Instant T0 = Instant.now();

    static void say(String s) {
        System.out.printf("[galera %6.1fs] %s%n", RealAppRig.secondsSince(T0), s);
    }
}
