package org.clusterlabs.rss.bench;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec.PrimaryStartPolicy;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.StatusHookSpec;
import org.clusterlabs.rss.testkit.ExecRecord;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.clusterlabs.rss.testkit.SimulatedCluster;

/**
 * The measurements of issue 10 on the PACKAGED operator ({@code target/quarkus-app}, its own JVM, the chart's JVM
 * options for a 256 MiB container) against the kit (the simulated cluster in this JVM): recovery efficiency,
 * footprint, start-up and idle writes. Definitions: docs/benchmarks.md, section "Recovery, footprint, start-up,
 * idle". Each figure prints one {@code bench ...:} line.
 */
final class OperatorBench {

    static final String HOOKS = "/hooks";
    /** Footprint: resources created per batch (the next batch waits until this one is Running). */
    static final int BATCH = 10;
    /** Footprint: at most this long to form the resources of one step; the line then says what was reached. */
    static final long FOOTPRINT_PATIENCE_S = 300;
    static final Duration PATIENCE = Duration.ofSeconds(600);
    /** The chart's javaOptions are for a container with a 256 MiB limit; MaxRAM makes this JVM see that limit. */
    static final String CONTAINER_MAX_RAM = "-XX:MaxRAM=256m";

    private OperatorBench() {
    }

    // ------------------------------------------------------------------------------------------ shared

    /** The light hooks (the demo contract and DEMO_DELAY_<HOOK>, no replicating writer): src/test/bench-hooks. */
    static Path hooksDir() {
        Path p = Path.of("src/test/bench-hooks").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("bench hooks not found at " + p + " (run from the project root)");
        }
        return p;
    }

    /** The JVM options the chart gives the operator (helm/rss-operator/values.yaml javaOptions), plus MaxRAM. */
    static List<String> jvmOptions() {
        List<String> opts = new ArrayList<>();
        opts.add(CONTAINER_MAX_RAM);
        try {
            for (String line : Files.readAllLines(Path.of("helm/rss-operator/values.yaml"), StandardCharsets.UTF_8)) {
                Matcher m = Pattern.compile("^javaOptions:\\s*\"?([^\"]*)\"?\\s*$").matcher(line);
                if (m.matches()) {
                    opts.addAll(Arrays.stream(m.group(1).trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read helm/rss-operator/values.yaml", e);
        }
        return opts;
    }

    static SimulatedCluster cluster(Duration resync) {
        SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true).resync(resync));
        sim.mount(HOOKS, hooksDir());
        return sim;
    }

    static OperatorProcess operator(SimulatedCluster sim, String identity) throws Exception {
        // BENCH_DEBUG=1: the operator logs at DEBUG, and its log is kept as <tmp>/rss-bench-<identity>.log
        Map<String, String> env = System.getenv("BENCH_DEBUG") == null ? Map.of()
                : Map.of("QUARKUS_LOG_CATEGORY__ORG_CLUSTERLABS__LEVEL", "DEBUG");
        OperatorProcess op = OperatorProcess.start(sim, identity, env, jvmOptions());
        op.awaitReady(Duration.ofSeconds(120));
        return op;
    }

    /** Delay of the status hook (a check, quick in real apps); {@code statusdelay=S} changes it. */
    static double statusDelayS = 0;

    /**
     * A CR for the light hooks: the sequence, seed, primary, secondary and stop hooks sleep {@code delayS} first (0:
     * none), the status hook {@link #statusDelayS}; status every {@code period}.
     */
    static ReplicatedStatefulSet resource(String ns, String name, int replicas, PrimaryStartPolicy policy,
            String period, double delayS) {
        ReplicatedStatefulSet rss = RssFixtures.valid(ns, name, replicas);
        rss.getSpec().setHooks(RssFixtures.hooks(HOOKS));
        rss.getSpec().getHooks().setStatus(new StatusHookSpec(new ArrayList<>(List.of(HOOKS + "/status")), "10s",
                period)); // (command, timeout, period)
        RecoverySpec recovery = new RecoverySpec();
        recovery.setPrimaryStart(policy);
        rss.getSpec().setRecovery(recovery);
        if (delayS > 0) {
            List<EnvVar> env = new ArrayList<>();
            for (String hook : List.of("SEQUENCE", "SEED", "PRIMARY", "SECONDARY", "STOP")) {
                env.add(new EnvVar("DEMO_DELAY_" + hook, fmt(delayS), null));
            }
            if (statusDelayS > 0) {
                env.add(new EnvVar("DEMO_DELAY_STATUS", fmt(statusDelayS), null));
            }
            rss.getSpec().getTemplate().getSpec().getContainers().get(0).setEnv(env);
        }
        return rss;
    }

    static ReplicatedStatefulSetStatus status(KubernetesClient c, String ns, String name) {
        ReplicatedStatefulSet r = c.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).get();
        return r == null || r.getStatus() == null ? new ReplicatedStatefulSetStatus() : r.getStatus();
    }

    static boolean running(ReplicatedStatefulSetStatus s, int primaries, long minEpoch) {
        return s.getPhase() == Phase.Running && Integer.valueOf(primaries).equals(s.getPrimaries())
                && s.getEpoch() != null && s.getEpoch() >= minEpoch;
    }

    /** Polls the status every 20 ms until Running with all primaries in an epoch >= minEpoch; returns when seen. */
    static Instant awaitRunning(KubernetesClient c, String ns, String name, int primaries, long minEpoch,
            Duration patience) throws InterruptedException {
        Instant deadline = Instant.now().plus(patience);
        while (Instant.now().isBefore(deadline)) {
            ReplicatedStatefulSetStatus s;
            try {
                s = status(c, ns, name);
            } catch (KubernetesClientException e) {
                Thread.sleep(20);
                continue;
            }
            if (running(s, primaries, minEpoch)) {
                return Instant.now();
            }
            Thread.sleep(20);
        }
        ReplicatedStatefulSetStatus s = status(c, ns, name);
        throw new IllegalStateException(ns + "/" + name + " not Running with " + primaries + " primaries (epoch >= "
                + minEpoch + ") in " + patience + ": phase=" + s.getPhase() + " primaries=" + s.getPrimaries()
                + " epoch=" + s.getEpoch());
    }

    static void editSpec(KubernetesClient c, String ns, String name,
            java.util.function.Consumer<ReplicatedStatefulSet> change) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                c.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).edit(r -> {
                    change.accept(r);
                    return r;
                });
                return;
            } catch (KubernetesClientException e) {
                if (attempt == 20) {
                    throw e;
                }
                Thread.sleep(100); // a conflict with the operator's status write: read again
            }
        }
    }

    static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f", v);
    }

    static double median(List<Double> xs) {
        List<Double> s = xs.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    // ------------------------------------------------------------------------------------------ recovery

    /**
     * The critical path of a lights-out recovery's hooks, from the configured delays and the policy: one sequence
     * round (all in parallel), the seed, then the other primaries: all at once (Parallel) or one after the other
     * (Serial).
     */
    static double criticalPath(int n, PrimaryStartPolicy policy, double delayS) {
        return policy == PrimaryStartPolicy.Parallel ? 3 * delayS : (2 + (n - 1)) * delayS;
    }

    /**
     * {@code bench recovery} for N copies (all primaries) under one policy: one operator, one resource formed with
     * the Parallel policy (faster to set up), switched to the measured policy, then {@code runs} atomic power cuts,
     * each measured from the first sequence hook's start (the kit's exec record) to the status showing Running with
     * N primaries in the new epoch. Prints the median run's figures.
     */
    static void recovery(SimulatedCluster sim, int n, PrimaryStartPolicy policy, int runs, double delayS)
            throws Exception {
        KubernetesClient c = sim.client();
        String ns = "rec-n" + n + "-" + policy.name().toLowerCase(java.util.Locale.ROOT);
        String name = "db";
        c.resource(resource(ns, name, n, PrimaryStartPolicy.Parallel, "10s", delayS)).create();
        awaitRunning(c, ns, name, n, 1, PATIENCE);
        if (policy != PrimaryStartPolicy.Parallel) {
            editSpec(c, ns, name, r -> r.getSpec().getRecovery().setPrimaryStart(policy));
            SimulatedCluster.await("observedGeneration of " + ns, Duration.ofSeconds(60), () -> {
                ReplicatedStatefulSet r = c.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).get();
                return r.getStatus() != null && r.getMetadata().getGeneration().equals(
                        r.getStatus().getObservedGeneration()) ? r : null;
            });
        }
        double cp = criticalPath(n, policy, delayS);
        List<double[]> results = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            ReplicatedStatefulSetStatus before = status(c, ns, name);
            long epoch = before.getEpoch();
            // The newest copy: a different one each run.
            int newest = (run * 7 + n / 2) % n;
            long base = 1000L * run;
            for (int i = 0; i < n; i++) {
                Files.writeString(sim.dataDir(ns, name + "-" + i).resolve("seq"),
                        Long.toString(base + (i == newest ? 500 : i)) + "\n");
            }
            Thread.sleep(1000);
            int execsBefore = sim.execLog().size();
            sim.cutPowerAtomically(ns, name);
            Instant runningAt = awaitRunning(c, ns, name, n, epoch + 1, PATIENCE);
            List<ExecRecord> after = sim.execLog().subList(execsBefore, sim.execLog().size());
            Optional<Instant> firstSequence = after.stream()
                    .filter(e -> e.namespace().equals(ns) && e.argv().get(0).equals(HOOKS + "/sequence"))
                    .map(ExecRecord::started).filter(java.util.Objects::nonNull).min(Instant::compareTo);
            if (firstSequence.isEmpty()) {
                throw new IllegalStateException(ns + ": no sequence hook ran after the power cut");
            }
            ReplicatedStatefulSetStatus s = status(c, ns, name);
            String seed = s.getSeed() == null ? "?" : s.getSeed().getPod();
            double wall = Duration.between(firstSequence.get(), runningAt).toNanos() / 1e9;
            results.add(new double[] {cp / wall, wall});
            if (System.getenv("BENCH_TRACE") != null) {
                Instant t0 = firstSequence.get();
                say("    t0 = " + t0 + "; columns: exec requested, started, ended (s after t0)");
                for (ExecRecord e : after) {
                    if (e.namespace().equals(ns) && e.started() != null) {
                        say(String.format(java.util.Locale.ROOT, "    %7.3f %7.3f %7s %s %s exit=%s",
                                Duration.between(t0, e.requested()).toMillis() / 1000.0,
                                Duration.between(t0, e.started()).toMillis() / 1000.0,
                                e.ended() == null ? "-" : fmt(Duration.between(t0, e.ended()).toMillis() / 1000.0),
                                e.pod(), e.argv(), e.exitCode()));
                    }
                }
                say(String.format(java.util.Locale.ROOT, "    %7.3f Running", wall));
            }
            say(String.format(java.util.Locale.ROOT,
                    "  (run %d/%d N=%d %s: wall_s=%.2f seed=%s expected=%s-%d execs=%d)", run, runs, n, policy,
                    wall, seed, name, newest, after.size()));
        }
        results.sort((a, b) -> Double.compare(a[1], b[1]));
        double[] med = results.get(results.size() / 2);
        say(String.format(java.util.Locale.ROOT,
                "bench recovery: N=%d policy=%s efficiency=%.2f wall_s=%.2f critical_path_s=%.2f", n, policy,
                med[0], med[1], cp));
        c.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).delete();
        c.apps().statefulSets().inNamespace(ns).withName(name).delete();
    }

    // ------------------------------------------------------------------------------------------ footprint

    /** Resident set, threads of a process, from /proc/<pid>/status. */
    static long[] procStatus(long pid) throws IOException {
        long rssKb = -1;
        long threads = -1;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("Threads:")) {
                threads = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new long[] {rssKb, threads};
    }

    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        argv.add(Long.toString(pid));
        argv.addAll(List.of(command));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    /** Live heap: a full GC (jcmd GC.run), then the generations' "used" from GC.heap_info, in MiB. */
    static double heapLiveMib(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        long usedKb = 0;
        Matcher m = Pattern.compile("(?m)^\\s*(def new generation|tenured generation|PSYoungGen|ParOldGen"
                + "|garbage-first heap)\\s+total \\d+K, used (\\d+)K").matcher(info);
        while (m.find()) {
            usedKb += Long.parseLong(m.group(2));
        }
        if (usedKb == 0) {
            throw new IllegalStateException("cannot read the heap's use from jcmd GC.heap_info:\n" + info);
        }
        return usedKb / 1024.0;
    }

    static int podsRunning(SimulatedCluster sim) {
        return (int) sim.client().pods().inAnyNamespace().list().getItems().stream()
                .filter(SimulatedCluster::isReady).count();
    }

    static int resourcesRunning(KubernetesClient c, int primaries) {
        return (int) c.resources(ReplicatedStatefulSet.class).inAnyNamespace().list().getItems().stream()
                .filter(r -> r.getStatus() != null && running(r.getStatus(), primaries, 1)).count();
    }

    /**
     * {@code bench footprint}: one operator; resources of 3 copies added up to each k in {@code ks}; at each k, once
     * every resource is Running (or the patience ran out: the line then says how many were reached), a steady
     * window; then the operator's RSS and threads (/proc), its live heap after a full GC (jcmd), and the p99 of the
     * reconciles in the steady window (JOSDK's reconcile histogram).
     */
    static void footprint(List<Integer> ks, String period, Duration window) throws Exception {
        try (SimulatedCluster sim = cluster(Duration.ofSeconds(30));
                OperatorProcess op = operator(sim, "footprint")) {
            KubernetesClient c = sim.client();
            say("  (footprint: operator JVM options " + jvmOptions() + "; status period " + period
                    + "; hooks without delay; steady window " + window.toSeconds() + " s)");
            int created = 0;
            for (int k : ks) {
                Instant start = Instant.now();
                Duration patience = Duration.ofSeconds(Math.min(FOOTPRINT_PATIENCE_S, 120 + 2L * k));
                Instant deadline = start.plus(patience);
                int reached = resourcesRunning(c, 3);
                // in batches of BATCH, each waited for: on 2 shared cores, hundreds of resources forming at once
                // make exec upgrades outlast the hooks' timeouts (the kit's server and the operator share the cores)
                while (created < k && Instant.now().isBefore(deadline) && op.isAlive()) {
                    int batchEnd = Math.min(k, created + BATCH);
                    while (created < batchEnd) {
                        c.resource(resource("fp-" + created, "db", 3, PrimaryStartPolicy.Parallel, period, 0))
                                .create();
                        created++;
                    }
                    while (reached < created && Instant.now().isBefore(deadline) && op.isAlive()) {
                        Thread.sleep(1000);
                        reached = resourcesRunning(c, 3);
                    }
                }
                while (reached < k && Instant.now().isBefore(deadline) && op.isAlive()) {
                    Thread.sleep(1000);
                    reached = resourcesRunning(c, 3);
                }
                if (!op.isAlive()) {
                    say("bench footprint: resources=" + k + " the operator exited; see " + op.log());
                    return;
                }
                double formS = Duration.between(start, Instant.now()).toMillis() / 1000.0;
                Thread.sleep(5000);
                PromScrape m0 = PromScrape.of(op.port());
                Thread.sleep(window.toMillis());
                PromScrape m1 = PromScrape.of(op.port());
                double p99 = m1.quantileMsSince(m0, 0.99);
                long[] proc = procStatus(op.pid());
                double heap = heapLiveMib(op.pid());
                long[] procAfterGc = procStatus(op.pid());
                say(String.format(java.util.Locale.ROOT,
                        "bench footprint: resources=%d pods=%d rss_mib=%.0f heap_live_mib=%.1f threads=%d"
                                + " reconcile_p99_ms=%s",
                        reached, podsRunning(sim), proc[0] / 1024.0, heap, proc[1],
                        Double.isNaN(p99) ? "n/a" : fmt(p99)));
                say(String.format(java.util.Locale.ROOT,
                        "  (footprint k=%d: %d of %d Running after %.0f s; %d reconciles in the window; rss after"
                                + " the GC %.0f MiB%s)",
                        k, reached, k, formS, (long) m1.reconcilesSince(m0), procAfterGc[0] / 1024.0,
                        m1.hasReconcileHistogram() ? "" : "; NO reconcile histogram in /q/metrics"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ start-up

    /**
     * {@code bench startup}: a resource exists before the operator starts; from the operator's process start (JVM
     * launch) to the first write its first reconcile makes (the kit's server timestamps every request; Lease
     * requests excluded). Median of {@code runs}, each on a fresh cluster.
     */
    static void startup(int runs) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            try (SimulatedCluster sim = cluster(Duration.ofSeconds(1))) {
                sim.client().resource(resource("start", "db", 3, PrimaryStartPolicy.Parallel, "10s", 0)).create();
                sim.resetWrites();
                Instant launched = Instant.now();
                try (OperatorProcess op = OperatorProcess.start(sim, "startup-" + run, Map.of(), jvmOptions())) {
                    SimulatedCluster.TimedWrite first = SimulatedCluster.await("the operator's first write",
                            Duration.ofSeconds(120), () -> sim.timedWrites().stream().filter(w -> !w.isLease())
                                    .findFirst().orElse(null));
                    double s = Duration.between(launched, first.at()).toNanos() / 1e9;
                    times.add(s);
                    String started = Files.readString(op.log()).lines()
                            .filter(l -> l.contains("started in")).findFirst().orElse("");
                    Matcher m = Pattern.compile("started in ([0-9.]+)s").matcher(started);
                    say(String.format(java.util.Locale.ROOT, "  (startup run %d/%d: first write %s %s at %.2f s;"
                            + " Quarkus says started in %s s)", run, runs, first.method(), first.path(), s,
                            m.find() ? m.group(1) : "?"));
                    if (System.getenv("BENCH_DEBUG") != null) {
                        Path kept = Path.of(System.getProperty("java.io.tmpdir"), "rss-bench-startup-" + run + ".log");
                        Files.copy(op.log(), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        say(String.format(java.util.Locale.ROOT, "bench startup: first_reconcile_s=%.2f", median(times)));
    }

    // ------------------------------------------------------------------------------------------ idle

    /**
     * {@code bench idle}: {@code k} resources of 3 copies, Running, status every 10 s; after a settling time, the
     * non-Lease writes the kit's server receives from the operator in a window, divided by the reconciles in it.
     */
    static void idle(int k, Duration window) throws Exception {
        try (SimulatedCluster sim = cluster(Duration.ofSeconds(1)); OperatorProcess op = operator(sim, "idle")) {
            KubernetesClient c = sim.client();
            for (int i = 0; i < k; i++) {
                c.resource(resource("idle-" + i, "db", 3, PrimaryStartPolicy.Parallel, "10s", 0)).create();
            }
            for (int i = 0; i < k; i++) {
                awaitRunning(c, "idle-" + i, "db", 3, 1, PATIENCE);
            }
            Thread.sleep(15_000);
            sim.resetWrites();
            PromScrape m0 = PromScrape.of(op.port());
            Thread.sleep(window.toMillis());
            PromScrape m1 = PromScrape.of(op.port());
            List<SimulatedCluster.TimedWrite> writes = sim.timedWrites();
            List<String> nonLease = writes.stream().filter(w -> !w.isLease()).map(w -> w.method() + " " + w.path())
                    .toList();
            double reconciles = m1.reconcilesSince(m0);
            say(String.format(java.util.Locale.ROOT, "bench idle: writes_per_reconcile=%s",
                    reconciles == 0 ? "n/a" : fmt(nonLease.size() / reconciles)));
            say(String.format(java.util.Locale.ROOT, "  (idle: %d resources, %.0f s window: %.0f reconciles, %d"
                    + " writes (%d Lease)%s)", k, window.toSeconds() * 1.0, reconciles, writes.size(),
                    writes.size() - nonLease.size(),
                    nonLease.isEmpty() ? "" : "; the first: " + nonLease.subList(0, Math.min(5, nonLease.size()))));
        }
    }
}
