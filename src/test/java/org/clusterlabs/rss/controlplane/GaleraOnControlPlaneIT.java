package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.controlplane.DemoOnControlPlane.HookRun;
import org.clusterlabs.rss.testkit.GaleraNodes;
import org.clusterlabs.rss.testkit.RealAppRig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Tier 3 on the real control plane (issue 9): the shared packaged operator, as its ServiceAccount under the generated
 * RBAC, forms a REAL 3-node MariaDB Galera cluster from nothing and recovers it after a lights-out, with zero lost
 * acknowledged rows. The real StatefulSet controller makes the pods; KWOK plays the kubelet, and each exec into pod
 * {@code galera-N}'s container runs the hook of {@code examples/galera/hooks} (through the logging wrapper of
 * {@link DemoOnControlPlane}) as a local process, with the pod's own loopback address {@code 127.0.0.1<N+1>} as
 * {@code POD_IP} (only loopback carries traffic: KWOK's fake pod IPs are never used) and its datadir and runtime dir
 * in the pod's work directory, its "volume". The peer FQDNs {@code galera-N.galera.cp-galera.svc} resolve through
 * tagged {@code /etc/hosts} lines.
 *
 * <p>KWOK runs no containers, so nothing kills a pod's mariadbd but the test: the lights-out is the test stopping
 * every server while the pods stay (the operator paused meanwhile, so that it does not restart the first ones), with
 * {@code galera-2} made strictly the most advanced (galera-0 and galera-1 stop cleanly in turn while writes go on
 * through the survivors; galera-2 takes the last writes and is SIGKILLed). Then exactly one seed hook may run, on
 * galera-2, in the next epoch, and every acknowledged row must be readable on every server. A second lights-out
 * SIGKILLs all three servers at once: the seed must be the copy with the highest sequence (a tie goes to galera-0),
 * again exactly once, with nothing lost. A third case is a lights-out that a status round straddles while the operator
 * runs (it used to stall the recovery for good; see its javadoc).
 *
 * <p>Runs as root (mariadbd {@code --user=mysql}, {@code /etc/hosts}); needs {@code .ci/install-galera.sh} (fails,
 * never skips, without it). It takes {@code flock /tmp/rss-galera-lights-out.lock}, like the in-memory tier's
 * Galera test, because addresses and names are fixed.
 */
@ExtendWith(ControlPlaneExtension.class)
@Tag("real-app")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GaleraOnControlPlaneIT {

    static final String NS = "cp-galera";
    static final String NAME = "galera";
    static final int N = 3;
    static final String HOSTS_TAG = "# rss-galera-cp-it";
    static final Duration FORM_PATIENCE = Duration.ofSeconds(120);
    static final Duration RECOVERY_PATIENCE = Duration.ofSeconds(110);

    static ControlPlane cp;
    static DemoOnControlPlane app;
    static GaleraNodes nodes;
    static Process lockHolder;
    static boolean formed;
    static final List<String> lines = new ArrayList<>();

    @RegisterExtension
    static final TestWatcher DUMP = RealAppRig.onFailure(GaleraOnControlPlaneIT::dump);

    // ------------------------------------------------------------------------------------------------ set-up

    @BeforeAll
    @Timeout(value = 720) // the lock may be held by another Galera test (up to 10 minutes)
    static void setUp(ControlPlane controlPlane) throws Exception {
        assertThat(Path.of("/usr/sbin/mariadbd")).as("mariadbd is not installed: run .ci/install-galera.sh")
                .isExecutable();
        assertThat(Path.of("/usr/lib/galera/libgalera_smm.so")).as("galera-4 is not installed: run "
                + ".ci/install-galera.sh").exists();
        assertThat(ProcessHandle.current().info().user().orElse("")).as("runs as root").isEqualTo("root");
        cp = controlPlane;
        lockHolder = RealAppRig.lock(GaleraNodes.LOCK);
        Path work = cp.runDir().resolve("work").resolve(NS);
        if (Files.isDirectory(work)) {
            GaleraNodes.killMariadbds(work); // of an earlier run that died: its datadirs are wiped next
        }
        app = DemoOnControlPlane.prepare(cp, NS, NAME, Path.of("examples/galera/hooks"), (i, dir) -> {
            Map<String, String> env = new LinkedHashMap<>(GaleraNodes.env(dir.resolve("data").toString(),
                    dir.resolve("run").toString()));
            env.put("POD_IP", addr(i));
            env.put("GALERA_BIND_ADDRESS", addr(i));
            env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"); // runuser, mariadbd
            // a join started on peers that have just died waits in a non-Primary view until this ends (see
            // aRestartJoinOnPeersThatDie...): shorter than the in-memory tier's, well above a join's 5-15 s here
            env.put("GALERA_START_TIMEOUT", "45");
            return env;
        });
        nodes = new GaleraNodes(N, app::pod, app::dataDir, GaleraOnControlPlaneIT::say);
        for (int i = 0; i < N; i++) {
            searchableByAll(app.dataDir(i)); // mariadbd runs as mysql
        }
        Map<String, String> names = new LinkedHashMap<>();
        for (int i = 0; i < N; i++) {
            names.put(fqdn(i), addr(i));
        }
        RealAppRig.hostsAdd(HOSTS_TAG, names);
        ControlPlaneOperator.shared(cp);
        say("work dir " + app.work + "; /etc/hosts has " + N + " tagged lines");
    }

    @AfterAll
    @Timeout(value = 120)
    static void tearDown() throws Exception {
        try {
            if (app != null) {
                app.close(); // the resource goes while the operator runs (its finalizer), then the namespace
            }
        } finally {
            int left = app == null ? 0 : GaleraNodes.killMariadbds(app.work);
            if (left > 0) {
                say("killed " + left + " mariadbd process(es) left running");
            }
            RealAppRig.release(HOSTS_TAG, lockHolder, lines);
        }
    }

    // ------------------------------------------------------------------------------------------------ cases

    @Test
    @Order(1)
    @Timeout(value = 150)
    void theOperatorFormsAGaleraClusterFromNothing() throws Exception {
        Instant t0 = Instant.now();
        ControlPlane.Result r = cp.kubectlWith(cp.kubeconfig(), yaml(), "create", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        ReplicatedStatefulSetStatus s = app.awaitStatus("Running with " + N + " primaries", FORM_PATIENCE,
                x -> x.getPhase() == Phase.Running && Integer.valueOf(N).equals(x.getPrimaries())
                        && x.getEpoch() != null && x.getSeed() != null);
        assertThat(s.getEpoch()).isEqualTo(1);
        assertThat(s.getSeed().getPod()).as("fresh volumes all report 0: the tie goes to galera-0")
                .isEqualTo(app.pod(0));
        assertThat(app.runs("seed", 0)).as("seed hooks").extracting(HookRun::pod).containsExactly(app.pod(0));
        nodes.awaitAllSynced();
        nodes.createTable(0);
        assertLoopbackOnly();
        for (int i = 0; i < N; i++) {
            nodes.write(i);
        }
        say(String.format("formed from empty volumes in %.1fs, seed %s", RealAppRig.secondsSince(t0),
                s.getSeed().getPod()));
        formed = true;
    }

    @Test
    @Order(2)
    @Timeout(value = 150)
    void afterALightsOutTheMostAdvancedCopySeedsOnceAndNoAcknowledgedRowIsLost() throws Exception {
        assertThat(formed).as("the cluster was formed").isTrue();
        List<Integer> order = List.of(0, 1, 2);
        int most = order.get(N - 1);
        long epoch = app.status().getEpoch();
        long sinceMs = System.currentTimeMillis();
        pause(true); // so that the live operator does not restart the copies stopped one by one
        nodes.stopInOrder(order);
        assertThat(GaleraNodes.mariadbds(app.work)).as("mariadbd left after the lights-out").isEmpty();
        Instant cut = Instant.now();
        pause(false);
        say("lights-out (order " + RealAppRig.join(order) + "); " + nodes.acked().size() + " acknowledged rows");

        ReplicatedStatefulSetStatus s = assertRecovered(epoch, sinceMs, cut, RealAppRig.join(order));
        assertThat(s.getSeed().getPod()).as("the recorded seed: the most advanced copy").isEqualTo(app.pod(most));
        Map<String, Long> seq = sequences(s);
        for (int k = 1; k < N; k++) {
            assertThat(seq.get(app.pod(order.get(k)))).as("the stop order gives strictly increasing sequences " + seq)
                    .isGreaterThan(seq.get(app.pod(order.get(k - 1))));
        }
    }

    /** Every server SIGKILLed at once (the operator paused meanwhile: see the next case for why). */
    @Test
    @Order(3)
    @Timeout(value = 150)
    void allKilledAtOnceTheHighestSequenceSeedsOnceTiesToTheLowestOrdinal() throws Exception {
        Running before = runningAndWrittenThroughEach();
        pause(true);
        Instant cut = Instant.now();
        killAll(before.pids()); // all at once
        pause(false);
        say("SIGKILL galera-0,1,2 at once; " + nodes.acked().size() + " acknowledged rows");
        ReplicatedStatefulSetStatus s = assertRecovered(before.epoch(), before.sinceMs(), cut, "kill-all");
        // SIGKILLs one after the other are not atomic: a copy killed a moment later may hold more, and then it
        // must win; with a real tie, galera-0 must (assertRecovered checks the rule; this says which case it was)
        say("sequences " + sequences(s) + ": seed " + s.getSeed().getPod());
    }

    /**
     * Every server dies while the operator runs, and a status round straddles the deaths, as it can in any
     * lights-out where the pods stay (a real kubelet keeps a container whose main process, {@code sleep}, still
     * runs). Made deterministic here:
     * galera-2's server is killed first; the operator sees it not running while galera-0's and galera-1's last
     * status (at most one period old) still says primary, and restarts it by running the primary hook with those
     * two as peers; they are killed as soon as that hook starts, before its mariadbd can reach them.
     *
     * <p>That mariadbd waits in a one-node non-Primary view, retrying its dead peers every second, without ever
     * answering SQL; the primary hook fails after {@code GALERA_START_TIMEOUT} and leaves it running; the operator
     * (rightly: it runs) stops it before any election. The stop hook used to send only SIGTERM, which such a server
     * does not act on, so every stop failed and was retried, and no seed was ever chosen (it failed 2 of 2 runs).
     * Now the stop hook SIGKILLs a server that was outside any Primary Component after a short grace, and the
     * recovery is the same as for any lights-out.
     */
    @Test
    @Order(4)
    @Timeout(value = 150)
    void aRestartJoinOnPeersThatDieMeanwhileDoesNotStallTheRecovery() throws Exception {
        Running before = runningAndWrittenThroughEach();
        long sinceMs = before.sinceMs();
        Instant cut = Instant.now();
        ProcessHandle.of(before.pids().get(2)).ifPresent(ProcessHandle::destroyForcibly);
        Instant deadline = cut.plusSeconds(30);
        while (app.runs("primary", sinceMs).isEmpty()) {
            assertThat(Instant.now()).as("the operator restarts galera-2").isBefore(deadline);
            Thread.sleep(20);
        }
        killAll(before.pids());
        say("SIGKILL galera-2, then galera-0 and galera-1 as galera-2's restart join began: "
                + app.runs("primary", sinceMs));
        assertRecovered(before.epoch(), sinceMs, cut, "restart-join-on-dying-peers");
    }

    /** The cluster before a case: its epoch, when the case began (epoch ms), and the servers' pids. */
    private record Running(long epoch, long sinceMs, List<Long> pids) {
    }

    /** Awaits the formed cluster Running, then writes through each server; returns it with their pids. */
    private static Running runningAndWrittenThroughEach() throws Exception {
        assertThat(formed).as("the cluster was formed").isTrue();
        long epoch = app.awaitRunning(N, 0).getEpoch();
        long sinceMs = System.currentTimeMillis();
        List<Long> pids = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            nodes.write(i);
            pids.add(nodes.serverPid(i));
        }
        return new Running(epoch, sinceMs, pids);
    }

    /** SIGKILLs every given server (if still there) and waits until each is gone. */
    private static void killAll(List<Long> pids) {
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        pids.forEach(pid -> RealAppRig.awaitGone(pid, Duration.ofSeconds(30)));
    }

    private static void pause(boolean paused) throws InterruptedException {
        app.patch("{\"spec\":{\"paused\":" + paused + "}}");
        if (paused) {
            app.awaitStatus("Paused", Duration.ofSeconds(30), x -> x.getPhase() == Phase.Paused);
        }
    }

    /**
     * The lights-out begun at {@code cut} (hooks counted from {@code sinceMs}), in {@code epoch}, is recovered:
     * Running with every copy a primary in the next epoch; exactly one seed hook ran since, successfully, on the
     * recorded seed, which holds the highest sequence every copy reported (ties: the lowest ordinal); the servers
     * form one cluster on loopback with every acknowledged row on every node, and take writes through every node
     * again.
     */
    private static ReplicatedStatefulSetStatus assertRecovered(long epoch, long sinceMs, Instant cut, String what)
            throws Exception {
        ReplicatedStatefulSetStatus s = app.awaitStatus("Running with " + N + " primaries in an epoch above "
                + epoch, RECOVERY_PATIENCE, x -> x.getPhase() == Phase.Running
                        && Integer.valueOf(N).equals(x.getPrimaries()) && x.getEpoch() != null
                        && x.getEpoch() > epoch);
        double recoveryS = RealAppRig.secondsSince(cut);
        Map<String, Long> seq = sequences(s);
        say(String.format("Running with %d primaries %.2fs after the lights-out; sequences %s; seed %s@%s", N,
                recoveryS, seq, s.getSeed().getPod(), s.getSeed().getSequence()));
        assertThat(s.getEpoch()).as("the next epoch").isEqualTo(epoch + 1);
        assertThat(s.getSeed().getEpoch()).isEqualTo(epoch + 1);
        assertThat(s.getSeed().getForced()).isNotEqualTo(Boolean.TRUE);
        assertThat(seq).as("every copy reported its sequence").hasSize(N);
        long best = seq.values().stream().max(Long::compare).orElseThrow();
        String expected = java.util.stream.IntStream.range(0, N).mapToObj(app::pod)
                .filter(p -> seq.get(p) == best).findFirst().orElseThrow();
        assertThat(s.getSeed().getPod()).as("the seed is the most advanced copy (ties: lowest ordinal) " + seq)
                .isEqualTo(expected);
        assertThat(s.getSeed().getSequence()).as("the seed holds the highest sequence").isEqualTo(best);
        List<HookRun> seeds = app.runs("seed", sinceMs);
        assertThat(seeds).as("seed hooks since the lights-out").extracting(HookRun::pod)
                .containsExactly(s.getSeed().getPod());
        assertThat(seeds.get(0).rc()).as("the seed hook's exit code").isZero();

        // -- on the real servers: one cluster, every acknowledged row on every node
        nodes.awaitAllSynced();
        List<String> sums = nodes.assertOneCluster();
        assertThat(sums).as("the same table checksum on all three").containsOnly(sums.get(0));
        int ackedBefore = nodes.acked().size();
        for (int i = 0; i < N; i++) {
            assertThat(nodes.lost(i)).as("acknowledged rows missing on %s", app.pod(i)).isZero();
        }
        assertLoopbackOnly();
        // -- and it takes writes again, through every node, replicated to every node
        for (int i = 0; i < N; i++) {
            nodes.write(i);
        }
        for (int i = 0; i < N; i++) {
            assertThat(nodes.lost(i)).as("acknowledged rows missing on %s after new writes", app.pod(i)).isZero();
        }
        assertThat(app.runs("seed", sinceMs)).as("still one seed, after the writes").hasSize(1);
        assertThat(app.status().getEpoch()).as("still the same epoch").isEqualTo(epoch + 1);
        String line = "galera lights-out on the control plane: order=" + what + " seed="
                + s.getSeed().getPod().substring(NAME.length() + 1) + " acked=" + nodes.acked().size() + " ("
                + ackedBefore + " before the lights-out) lost=0 recovery_s=" + String.format("%.2f", recoveryS);
        System.out.println(line);
        lines.add(line);
        return s;
    }

    private static Map<String, Long> sequences(ReplicatedStatefulSetStatus s) {
        return s.getMembers().stream().filter(m -> m.getSequence() != null)
                .collect(Collectors.toMap(MemberStatus::getPod, MemberStatus::getSequence));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Each server listens on its own loopback address, and the cluster knows its members by those alone. */
    private static void assertLoopbackOnly() throws Exception {
        Set<String> expected = new java.util.TreeSet<>();
        for (int i = 0; i < N; i++) {
            expected.add(addr(i) + ":3306");
        }
        for (int i = 0; i < N; i++) {
            assertThat(Set.of(nodes.statusVar(i, "wsrep_incoming_addresses").split(",")))
                    .as("wsrep_incoming_addresses of %s", app.pod(i)).isEqualTo(expected);
        }
    }

    private static String yaml() {
        Map<String, String> hooks = new LinkedHashMap<>();
        hooks.put("sequence", "timeout: 120s");
        hooks.put("seed", "timeout: 150s");
        hooks.put("primary", "timeout: 150s"); // no secondary: every Galera copy is a primary
        hooks.put("status", "timeout: 15s, period: 2s");
        hooks.put("stop", "timeout: 60s");
        return app.yaml(N, "mariadb:10.11", "{name: mysql, port: 3306}", hooks, """
                  recovery:
                    primaryStart: Serial
                    seedRetries: 1
                """);
    }

    /** Lets other users (mysql) through every directory from {@code dir} up to the root, without listing them. */
    private static void searchableByAll(Path dir) throws Exception {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    static void dump(String why) {
        say("DIAGNOSIS: " + why);
        try {
            say("  status: " + io.fabric8.kubernetes.client.utils.Serialization.asJson(app.status()));
            app.hookRuns().stream().filter(h -> !h.hook().equals("status")).forEach(h -> say("  hook " + h));
            for (int i = 0; i < N; i++) {
                RealAppRig.tail(nodes.errorLog(i), 15, GaleraOnControlPlaneIT::say);
            }
            RealAppRig.tail(ControlPlaneOperator.log(), 40, GaleraOnControlPlaneIT::say);
        } catch (Exception | AssertionError e) {
            say("  (diagnosis failed: " + e + ")");
        }
    }

    static String addr(int i) {
        return "127.0.0.1" + (i + 1);
    }

    static String fqdn(int i) {
        return NAME + "-" + i + "." + NAME + "." + NS + ".svc";
    }

    static final Instant T0 = Instant.now();

    static void say(String s) {
        System.out.printf("[galera-cp %6.1fs] %s%n", RealAppRig.secondsSince(T0), s);
    }
}
