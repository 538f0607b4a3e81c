package org.clusterlabs.rss.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.Phase;
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
import org.junit.jupiter.api.Timeout;

/**
 * Tier 3 (issue 13): the live operator recovers REAL PostgreSQL 15 streaming replication (one primary, synchronous
 * standbys, {@code examples/postgresql/hooks}) after lights-outs, with no acknowledged commit lost.
 *
 * <p>Pod {@code postgresql-N} (namespace {@value #NS}) is one {@code postgres} on {@code 127.0.0.2<N+1>}:5432. The
 * template mounts its volume at {@code /var/lib/postgresql/data}, the kit's per-pod data directory, so
 * {@code PG_DATA=/var/lib/postgresql/data/pgdata} and {@code PG_RUNDIR=/var/lib/postgresql/data/run} land in it. Peer
 * FQDNs {@code postgresql-N.postgresql.pg-it.svc} resolve through tagged {@code /etc/hosts} lines. The servers inherit
 * the exec's {@code RSS_SIM_POD_UID}, so a power cut kills them.
 *
 * <p>One cluster is formed from nothing, then the cases run on it in turn (its history, and its timelines, grow). With
 * one primary, a standby can only be the most advanced copy by a tie with a cleanly stopped primary (which sends it
 * its last WAL), or when the primary's volume is lost; the cases cover the three roles the most advanced copy can
 * have, a power cut under a running writer, a lost volume, a scale-out and back, and last a negative control.
 *
 * <p>Runs as root (the hooks start postgres as the {@code postgres} user; {@code /etc/hosts}); needs
 * {@code .ci/install-postgresql.sh}. Takes {@code flock /tmp/rss-pg-lights-out.lock}.
 */
@QuarkusTest
@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)
@Tag("real-app")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgreSqlLightsOutTest {

    static final String NS = "pg-it";
    static final String NAME = "postgresql";
    static final int N = 3;
    static final int MAX = 5; // the scale-out
    static final int ROWS = 40;
    static final String PG_BIN = "/usr/lib/postgresql/15/bin";
    static final String HOSTS_TAG = "# rss-pg-it-test";
    static final String LOCK = "/tmp/rss-pg-lights-out.lock";
    static final Duration PATIENCE = Duration.ofSeconds(150);
    static final Duration SHORT = Duration.ofSeconds(60);

    static SimulatedCluster sim;
    static RealAppRig rig;
    static Process lockHolder;
    static boolean formed;
    static int replicas = N;
    static final Set<Long> acked = new ConcurrentSkipListSet<>();
    static final AtomicLong nextId = new AtomicLong(1);
    static final List<String> lines = new ArrayList<>();

    @org.junit.jupiter.api.extension.RegisterExtension
    static final org.junit.jupiter.api.extension.TestWatcher DUMP = RealAppRig.onFailure(PostgreSqlLightsOutTest::dump);

    // ------------------------------------------------------------------------------------------------ set-up

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(PG_BIN, "postgres")),
                "PostgreSQL 15 is not installed: run .ci/install-postgresql.sh");
        assertThat(ProcessHandle.current().info().user().orElse("")).as("runs as root").isEqualTo("root");
        lockHolder = RealAppRig.lock(LOCK);
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        sim = SimulatedClusterResource.cluster();
        rig = new RealAppRig(sim.client(), NS, NAME);
        Path hooks = Path.of("examples/postgresql/hooks").toAbsolutePath();
        assertThat(hooks.resolve("seed")).isExecutable();
        sim.mount("/hooks", hooks);
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < MAX; i++) {
            RealAppRig.openUpTo(sim.dataDir(NS, pod(i)), sim.baseDir()); // postgres must reach its data directory
            sim.setPodEnv(NS, pod(i), "PG_BIND_ADDRESS", addr(i));
            names.put(fqdn(i), addr(i));
        }
        RealAppRig.hostsAdd(HOSTS_TAG, names);
        say("base dir " + sim.baseDir() + "; /etc/hosts has " + MAX + " tagged lines");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (rig != null) {
                sim.client().resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).delete();
                for (int i = 0; i < MAX; i++) {
                    sim.killPodProcesses(NS, pod(i));
                }
                List<Long> left = ourPostgres();
                left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
                if (!left.isEmpty()) {
                    say("safety net: killed " + left.size() + " leftover postgres process(es)");
                }
            }
        } finally {
            RealAppRig.release(HOSTS_TAG, lockHolder, lines);
        }
    }

    // ------------------------------------------------------------------------------------------------ cases

    @Test
    @Order(0)
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void theOperatorFormsTheClusterFromNothing() throws Exception {
        Instant t0 = Instant.now();
        sim.client().resource(resource()).create();
        ReplicatedStatefulSetStatus s = await().atMost(PATIENCE).pollInterval(Duration.ofMillis(300))
                .until(rig.new Tracer(t0, PostgreSqlLightsOutTest::say)::status, x -> x.getSeed() != null && settled(x, N));
        assertThat(s.getSeed().getPod()).as("empty volumes all report 0: the tie goes to pod 0").isEqualTo(pod(0));
        verifyReplication(0);
        sql(0, "CREATE TABLE acked (id BIGINT PRIMARY KEY, via INT NOT NULL, at TIMESTAMPTZ DEFAULT now())");
        say(String.format("formed from empty volumes in %.1fs, primary %s", RealAppRig.secondsSince(t0), s.getSeed().getPod()));
        formed = true;
    }

    /** The primary is the most advanced: the standbys stop first, then a commit waits for a standby, then a kill. */
    @Test
    @Order(1)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void mostAdvancedIsThePrimary() throws Exception {
        int p = requirePrimary(0);
        int a = 1;
        int b = 2;
        Instant cut = lightsOut(() -> {
            write(p);
            stop(a, false);
            write(p);
            stop(b, false);
            unackedWrite(p);
            stop(p, true);
        });
        recovered(cut, List.of(a, b, p), "", p, false);
    }

    /** The primary's volume is lost: it comes back empty (sequence 0) and must not win; the standby that stopped
     * last wins, is promoted, and the empty copy rejoins as a standby (pg_basebackup). */
    @Test
    @Order(2)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void thePrimarysVolumeIsLost() throws Exception {
        int p = requirePrimary(0);
        int a = 2;
        int b = 1;
        Instant cut = lightsOut(() -> {
            write(p);
            stop(a, false);
            write(p);
            stop(p, true);
            stop(b, true);
        }, () -> wipe(p));
        ReplicatedStatefulSetStatus s = recovered(cut, List.of(a, p, b), "+lost-" + p, b, false);
        assertThat(member(s, pod(p)).getSequence()).as("the empty volume reports no history").isZero();
        assertThat(hooksLog(p)).as("the lost copy was cloned, not seeded").contains("cloning");
    }

    /** A standby ties with the primary that stopped cleanly (it got the primary's last WAL): the lowest ordinal
     * wins, so the standby is promoted onto a new timeline; the old primary follows it without a rewind. */
    @Test
    @Order(3)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aStandbyTiesWithTheCleanlyStoppedPrimary() throws Exception {
        int p = requirePrimary(1);
        int lag = 2;
        int standby = 0;
        Instant cut = lightsOut(() -> {
            write(p);
            stop(lag, false);
            write(p);
            stop(p, false);
            stop(standby, true);
        });
        ReplicatedStatefulSetStatus s = recovered(cut, List.of(lag, p, standby), "", standby, true);
        assertThat(member(s, pod(p)).getSequence()).as("the standby got all of the primary's WAL: a tie")
                .isEqualTo(member(s, pod(standby)).getSequence());
        assertThat(hooksLog(p)).as("the old primary needed no rewind").doesNotContain("(rewound)");
    }

    /** A power cut under a live operator with a writer running: every server dies at once. */
    @Test
    @Order(4)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aPowerCutWithTheWriterRunning() throws Exception {
        Assumptions.assumeTrue(formed, "the cluster was not formed");
        long epochBefore = rig.status().getEpoch();
        int p = primary();
        AtomicBoolean stopWriter = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            while (!stopWriter.get()) {
                try {
                    if (write(p, 5, false) < 5) {
                        return; // the server is gone
                    }
                } catch (Exception e) {
                    return;
                }
            }
        }, "pg-writer");
        int before = acked.size();
        writer.start();
        Thread.sleep(3000);
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            pids.add(postmasterPid(i));
        }
        Instant cut = Instant.now();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly)); // all at once
        sim.cutPower(NS, NAME);
        pids.forEach(pid -> RealAppRig.awaitGone(pid, Duration.ofSeconds(30)));
        stopWriter.set(true);
        writer.join(30_000);
        say("SIGKILL every postmaster at once with the writer running (" + (acked.size() - before)
                + " commits acknowledged meanwhile), then the power cut; operator live");
        assertThat(acked.size() - before).as("the writer got commits acknowledged").isPositive();
        assertNoPostgresLeft();
        awaitRecovery(cut, epochBefore, "kill-all", -1, null);
    }

    /** Scale 3 -> 5 (two empty copies clone the primary) -> 3 (the operator stops them first). */
    @Test
    @Order(5)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void scaleOutAndBack() throws Exception {
        Assumptions.assumeTrue(formed, "the cluster was not formed");
        int p = primary();
        write(p);
        Instant t0 = Instant.now();
        rig.edit(r -> {
            r.getSpec().setReplicas(MAX);
            return r;
        });
        replicas = MAX;
        awaitMembers(MAX, Duration.ofSeconds(150));
        verifyReplication(p);
        double outS = RealAppRig.secondsSince(t0);
        write(p);
        assertThat(lost(MAX - 1)).as("the new standby " + pod(MAX - 1) + " has every acknowledged commit").isZero();
        t0 = Instant.now();
        rig.edit(r -> {
            r.getSpec().setReplicas(N);
            return r;
        });
        replicas = N;
        awaitMembers(N, Duration.ofSeconds(150));
        verifyReplication(p);
        double inS = RealAppRig.secondsSince(t0);
        long lost = lost(p);
        line("order=scale-3-5-3 seed=" + p + " acked=" + acked.size() + " lost=" + lost
                + String.format(" recovery_s=n/a hooks_s=n/a (scale-out %.2fs, scale-in %.2fs)", outS, inS));
        assertThat(lost).isZero();
    }

    /** Negative control: force the least advanced copy as the seed: the same check sees the loss. */
    @Test
    @Order(6)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void negativeControlForcingTheLeastAdvancedSeedLosesCommits() throws Exception {
        Assumptions.assumeTrue(formed, "the cluster was not formed");
        long epochBefore = rig.status().getEpoch();
        int p = primary();
        List<Integer> standbys = Stream.iterate(0, i -> i + 1).limit(N).filter(i -> i != p).toList();
        int least = standbys.get(0);
        int other = standbys.get(1);
        rig.pause(true, SHORT);
        write(p);
        stop(least, false);
        write(p);
        stop(other, false);
        stop(p, true);
        Instant cut = Instant.now();
        sim.cutPower(NS, NAME);
        assertNoPostgresLeft();
        rig.edit(r -> {
            r.getMetadata().getAnnotations().put(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION, pod(least));
            r.getSpec().setPaused(false);
            return r;
        });
        String note = " (NEGATIVE CONTROL: forced the least advanced seed; expected lost>0, the others rewound)";
        ReplicatedStatefulSetStatus s = awaitRecovery(cut, epochBefore, RealAppRig.join(List.of(least, other, p)), least, note);
        assertThat(s.getSeed().getForced()).isTrue();
        for (int i : List.of(other, p)) {
            assertThat(hooksLog(i)).as(pod(i) + " held commits the forced seed lacks: pg_rewind").contains("(rewound)");
        }
    }

    // ------------------------------------------------------------------------------------------------ one case

    interface Steps {
        void run() throws Exception;
    }

    /** Pauses the operator, runs the stop steps, cuts the power, runs the after-cut steps, unpauses. */
    private static Instant lightsOut(Steps steps, Steps... afterCut) throws Exception {
        rig.pause(true, SHORT);
        steps.run();
        Instant cut = Instant.now();
        sim.cutPower(NS, NAME);
        assertNoPostgresLeft();
        for (Steps s : afterCut) {
            s.run();
        }
        rig.pause(false, SHORT);
        return cut;
    }

    /** Waits for the recovery after a paused stop order, checks it, prints the line; sequences rise in stop order
     * (or, with {@code lastTies}, the last two tie). */
    private static ReplicatedStatefulSetStatus recovered(Instant cut, List<Integer> order, String suffix, int expected,
            boolean lastTies) throws Exception {
        ReplicatedStatefulSetStatus s = awaitRecovery(cut, epochBeforeCut, RealAppRig.join(order) + suffix, expected, null);
        Map<String, Long> seq = sequences(s);
        List<Integer> ranked = order.stream().filter(i -> !suffix.contains("lost-" + i)).toList();
        for (int k = 1; k < ranked.size(); k++) {
            long prev = seq.get(pod(ranked.get(k - 1)));
            long cur = seq.get(pod(ranked.get(k)));
            if (lastTies && k == ranked.size() - 1) {
                assertThat(cur).as("tie " + seq).isEqualTo(prev);
            } else {
                assertThat(cur).as("the stop order gives increasing sequences " + seq).isGreaterThan(prev);
            }
        }
        return s;
    }

    static long epochBeforeCut;

    /**
     * Waits until the operator reports one primary and every other copy a secondary in a new epoch, then checks the
     * servers (one primary, every standby streams from it), counts lost commits on the new primary and prints the
     * case's line. {@code expected} < 0: any seed holding the maximum sequence. {@code note} != null: the negative
     * control (loss expected).
     */
    private static ReplicatedStatefulSetStatus awaitRecovery(Instant cut, long epochBefore, String order, int expected,
            String note) throws Exception {
        ReplicatedStatefulSetStatus s = await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
                .until(rig.new Tracer(cut, PostgreSqlLightsOutTest::say)::status, x -> x.getEpoch() != null && x.getEpoch() > epochBefore
                        && x.getSeed() != null && x.getSeed().getEpoch() != null
                        && x.getSeed().getEpoch() > epochBefore && settled(x, replicas));
        double recoveryS = RealAppRig.secondsSince(cut);
        int seed = SimulatedCluster.ordinalOf(s.getSeed().getPod());
        say(String.format("settled after %.2fs; members %s; seed %s@%d", recoveryS, sequences(s), s.getSeed().getPod(),
                s.getSeed().getSequence()));
        verifyReplication(seed);
        long lost = lost(seed);
        double hooksS = criticalPath(cut, s.getSeed().getPod());
        line("order=" + order + " seed=" + seed + " acked=" + acked.size() + " lost=" + lost
                + (note == null ? String.format(" recovery_s=%.2f hooks_s=%.2f", recoveryS, hooksS)
                        : " recovery_s=n/a hooks_s=n/a" + note));
        if (note != null) {
            assertThat(s.getSeed().getPod()).isEqualTo(pod(expected));
            assertThat(lost).as("the same check detects the loss of a wrong seed").isPositive();
            Set<Long> kept = present(seed);
            acked.removeIf(id -> !kept.contains(id)); // later cases count from the forced history
            return s;
        }
        Map<String, Long> seq = sequences(s);
        assertThat(seq).as("every copy reported its sequence").hasSize(replicas);
        long max = seq.values().stream().max(Long::compare).orElseThrow();
        assertThat(s.getSeed().getSequence()).as("the seed holds the highest sequence " + seq).isEqualTo(max);
        int lowestMax = seq.entrySet().stream().filter(e -> e.getValue() == max)
                .mapToInt(e -> SimulatedCluster.ordinalOf(e.getKey())).min().orElseThrow();
        assertThat(seed).as("ties go to the lowest ordinal " + seq).isEqualTo(lowestMax);
        if (expected >= 0) {
            assertThat(seed).as("the expected most advanced copy " + seq).isEqualTo(expected);
        }
        assertThat(lost).as("acknowledged commits missing from the new primary").isZero();
        return s;
    }

    private static boolean settled(ReplicatedStatefulSetStatus s, int n) {
        List<MemberStatus> m = s.getMembers();
        return s.getPhase() == Phase.Running && m.size() == n
                && m.stream().filter(x -> "Primary".equals(x.getRole())).count() == 1
                && m.stream().filter(x -> "Secondary".equals(x.getRole())).count() == n - 1;
    }

    private static void awaitMembers(int n, Duration patience) {
        await().atMost(patience).pollInterval(Duration.ofMillis(300)).until(rig::status, s -> settled(s, n)
                && sim.podsOf(NS, NAME).size() == n);
    }

    private static int requirePrimary(int expected) throws Exception {
        Assumptions.assumeTrue(formed, "the cluster was not formed");
        int p = primary();
        Assumptions.assumeTrue(p == expected, "the previous case left " + pod(p) + " as the primary, not "
                + pod(expected));
        epochBeforeCut = rig.status().getEpoch();
        return p;
    }

    private static Map<String, Long> sequences(ReplicatedStatefulSetStatus s) {
        return s.getMembers().stream().filter(m -> m.getSequence() != null)
                .collect(Collectors.toMap(MemberStatus::getPod, MemberStatus::getSequence, (x, y) -> x,
                        java.util.TreeMap::new));
    }

    private static MemberStatus member(ReplicatedStatefulSetStatus s, String pod) {
        return s.getMembers().stream().filter(m -> m.getPod().equals(pod)).findFirst().orElseThrow();
    }

    /** The slowest successful sequence of the round that elected the seed, plus the seed's start to the last
     * successful secondary's end (the operator's overhead in between is included). */
    static double criticalPath(Instant cut, String seedPod) {
        List<ExecRecord> log = rig.execsSince(sim, cut);
        ExecRecord seed = RealAppRig.firstSuccess(log, "/hooks/seed", seedPod);
        Map<String, ExecRecord> lastSeq = RealAppRig.lastRoundBefore(log, "/hooks/sequence", seed.started());
        double seqS = lastSeq.values().stream().mapToDouble(RealAppRig::seconds).max().orElse(0);
        Instant end = log.stream().filter(e -> RealAppRig.cmd(e).equals("/hooks/secondary")
                && !e.started().isBefore(seed.started()) && RealAppRig.succeeded(e)).map(ExecRecord::ended)
                .max(Comparator.naturalOrder()).orElse(seed.ended());
        say(String.format("critical path: sequences %s, seed %s %.2fs, secondaries %s",
                lastSeq.values().stream().map(e -> e.pod() + "=" + String.format("%.2f", RealAppRig.seconds(e)))
                        .toList(), seedPod, RealAppRig.seconds(seed),
                log.stream().filter(e -> RealAppRig.cmd(e).equals("/hooks/secondary"))
                        .map(e -> e.pod() + "=" + String.format("%.2f", RealAppRig.seconds(e)) + "/" + e.exitCode())
                        .toList()));
        say("  seed execs since the cut: " + log.stream().filter(e -> RealAppRig.cmd(e).equals("/hooks/seed"))
                .map(e -> String.format("%s +%.2fs %.2fs exit %s", e.pod(),
                        Duration.between(cut, e.started()).toMillis() / 1000.0, RealAppRig.seconds(e), e.exitCode()))
                .toList());
        log.stream().filter(e -> e.exitCode() != null && e.exitCode() != 0 && !RealAppRig.cmd(e).equals("/hooks/status"))
                .forEach(e -> say("  note: failed during this recovery: " + e));
        return seqS + Duration.between(seed.started(), end).toMillis() / 1000.0;
    }

    // ------------------------------------------------------------------------------------------------ servers

    /** The one copy that answers "not in recovery"; fails unless exactly one does. */
    static int primary() throws Exception {
        List<Integer> primaries = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            if ("f".equals(sqlOrNull(i, "SELECT pg_is_in_recovery()"))) {
                primaries.add(i);
            }
        }
        assertThat(primaries).as("exactly one primary").hasSize(1);
        return primaries.get(0);
    }

    /** Exactly one primary, {@code p}; every other copy is a standby that streams from it. */
    static void verifyReplication(int p) {
        await().atMost(SHORT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(primary()).isEqualTo(p);
            assertThat(sqlOrNull(p, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"))
                    .as("standbys streaming from the primary " + pod(p)).isEqualTo(String.valueOf(replicas - 1));
            for (int i = 0; i < replicas; i++) {
                if (i != p) {
                    assertThat(sqlOrNull(i, "SELECT status || ' ' || sender_host FROM pg_stat_wal_receiver"))
                            .as(pod(i)).isEqualTo("streaming " + fqdn(p));
                }
            }
        });
    }

    static long postmasterPid(int i) throws IOException {
        return Long.parseLong(Files.readAllLines(sim.dataDir(NS, pod(i)).resolve("pgdata/postmaster.pid")).get(0)
                .trim());
    }

    /** Fast shutdown (SIGINT: a primary first sends its standbys all its WAL), or SIGKILL. */
    static void stop(int i, boolean kill) throws Exception {
        long pid = postmasterPid(i);
        new ProcessBuilder("kill", kill ? "-KILL" : "-INT", String.valueOf(pid)).start().waitFor();
        RealAppRig.awaitGone(pid, Duration.ofSeconds(60));
        say((kill ? "SIGKILL " : "fast stop ") + pod(i));
    }

    /** A lost volume comes back empty. */
    static void wipe(int i) throws IOException {
        Path d = sim.dataDir(NS, pod(i));
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).filter(x -> !x.equals(d)).forEach(x -> x.toFile().delete());
        }
        say("wiped " + pod(i) + "'s volume");
    }

    static String hooksLog(int i) throws IOException {
        Path f = sim.dataDir(NS, pod(i)).resolve("rss-hooks.log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    static List<Long> ourPostgres() {
        return sim == null ? List.of() : RealAppRig.processes("postgres", sim.baseDir().toString() + "/");
    }

    static void assertNoPostgresLeft() {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ourPostgres()).as("postgres left after the power cut").isEmpty());
    }

    // ------------------------------------------------------------------------------------------------ writer

    static void write(int i) throws Exception {
        int ok = write(i, ROWS, true);
        assertThat(ok).as("commits acknowledged by a primary with a streaming standby").isEqualTo(ROWS);
    }

    /** Autocommit inserts through pod i; records the ids whose commit was acknowledged (RETURNING printed). */
    static int write(int i, int rows, boolean verbose) throws Exception {
        StringBuilder in = new StringBuilder();
        for (int k = 0; k < rows; k++) {
            in.append("INSERT INTO acked (id, via) VALUES (").append(nextId.getAndIncrement()).append(", ").append(i)
                    .append(") RETURNING id;\n");
        }
        RealAppRig.Result r = psql(i, in.toString(), 60);
        int ok = 0;
        for (String l : r.out().split("\n")) {
            if (l.matches("[0-9]+")) {
                acked.add(Long.parseLong(l));
                ok++;
            }
        }
        if (verbose) {
            say("wrote " + ok + "/" + rows + " acknowledged rows via " + pod(i) + " (acked total " + acked.size() + ")"
                    + (r.rc() == 0 ? "" : ", psql exit " + r.rc() + ": " + r.err().strip()));
        }
        return ok;
    }

    /** A commit that no standby can acknowledge (they are stopped): it waits, and is never acknowledged. */
    static void unackedWrite(int i) throws Exception {
        RealAppRig.Result r = psql(i, "INSERT INTO acked (id, via) VALUES (" + nextId.getAndIncrement() + ", " + i
                + ") RETURNING id;\n", 2);
        assertThat(r.out().strip()).as("no acknowledgement without a standby").isEmpty();
        say("a commit waits for a synchronous standby on " + pod(i) + " (not acknowledged)");
    }

    static Set<Long> present(int i) throws Exception {
        Set<Long> ids = new TreeSet<>();
        for (String l : sql(i, "SELECT id FROM acked").split("\n")) {
            if (!l.isBlank()) {
                ids.add(Long.parseLong(l.trim()));
            }
        }
        return ids;
    }

    static long lost(int i) throws Exception {
        Set<Long> present = present(i);
        return acked.stream().filter(id -> !present.contains(id)).count();
    }

    // ------------------------------------------------------------------------------------------------ SQL

    static RealAppRig.Result psql(int i, String stdin, int timeoutS) throws Exception {
        return RealAppRig.run(List.of(PG_BIN + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                "host=" + addr(i) + " port=5432 user=postgres dbname=postgres connect_timeout=5"), stdin,
                Duration.ofSeconds(timeoutS));
    }

    static String sql(int i, String statement) throws Exception {
        RealAppRig.Result r = psql(i, statement + ";\n", 30);
        if (r.rc() != 0) {
            throw new AssertionError("SQL on " + pod(i) + " failed (" + r.rc() + "): " + r.err().strip());
        }
        return r.out();
    }

    static String sqlOrNull(int i, String statement) {
        try {
            return sql(i, statement).strip();
        } catch (Exception | AssertionError e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ the CR

    static ReplicatedStatefulSet resource() {
        ReplicatedStatefulSet rss = RealAppRig.resource(NS, NAME, N, "postgres", "postgres:15",
                "/var/lib/postgresql/data", Map.of(
                        "PG_DATA", "/var/lib/postgresql/data/pgdata",
                        "PG_RUNDIR", "/var/lib/postgresql/data/run",
                        "PG_BIN", PG_BIN,
                        "PG_PEER_CIDR", "127.0.0.0/8",
                        "PG_SHARED_BUFFERS", "16MB",
                        "PG_WAL_KEEP_SIZE", "64MB",
                        "PG_START_TIMEOUT", "60",
                        "PG_STOP_TIMEOUT", "30"), "postgres", 5432,
                Map.of("sequence", "30s", "seed", "90s", "primary", "90s", "secondary", "90s", "stop", "45s"),
                "10s", "2s");
        rss.getSpec().setPrimaries(1);
        return rss;
    }

    // ------------------------------------------------------------------------------------------------ output

    static void dump(String why) {
        try {
            rig.dump(sim, why, PostgreSqlLightsOutTest::say);
            for (int i = 0; i < MAX; i++) {
                for (String f : List.of("rss-hooks.log", "postgresql.log")) {
                    RealAppRig.tail(sim.dataDir(NS, pod(i)).resolve(f), 12, PostgreSqlLightsOutTest::say);
                }
            }
        } catch (Exception | AssertionError e) {
            say("  (diagnosis failed: " + e + ")");
        }
    }

    static void line(String rest) {
        String l = "postgresql lights-out: " + rest;
        System.out.println(l);
        lines.add(l);
    }

    static String pod(int i) {
        return NAME + "-" + i;
    }

    static String addr(int i) {
        return "127.0.0.2" + (i + 1);
    }

    static String fqdn(int i) {
        return pod(i) + "." + NAME + "." + NS + ".svc";
    }

    static final Instant T0 = Instant.now();

    static void say(String s) {
        System.out.printf("[postgresql %6.1fs] %s%n", RealAppRig.secondsSince(T0), s);
    }
}
