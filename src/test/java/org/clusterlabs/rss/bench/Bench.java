package org.clusterlabs.rss.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.hooks.HookResult;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.testkit.SimulatedCluster;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * {@code make bench}. Two measurements, each reported as a ratio measured in the same run (absolute times on a
 * shared 2-core machine mean little):
 * <ol>
 * <li>the planner's cost per decision (JMH), by cluster size;</li>
 * <li>hook concurrency: N slow hooks on N pods through the real exec client and the simulated kubelet, one after
 * the other versus all at once (the ratio shows that slow hooks do not queue behind each other).</li>
 * </ol>
 */
public final class Bench {

    private static final int PODS = 10;
    private static final double HOOK_SECONDS = 1.0;

    private Bench() {
    }

    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("");

    /** What to run; see {@link #USAGE}. */
    static final String USAGE = """
            make bench [ARGS="..."]   (or the env var BENCH="...", same words; no words = everything)
              planner                 the JMH planner benchmark
              hooks                   the hook-concurrency ratio
              recovery[=N,...[:Serial|Parallel]]   recovery efficiency (default N=3,15,51, both policies)
              footprint[=k,...]       memory/threads/p99 at k resources of 3 copies (default 0,100,250,500)
              startup                 JVM start to the first reconcile (median of 3)
              idle                    writes per idle reconcile
              runs=R                  runs per recovery figure at N=3 (default 3; median reported)
              delay=S                 the delay of the sequence, seed, primary, secondary and stop hooks (default 1 s)
              statusdelay=S           the delay of the status hook (default 0: a check, quick in real apps)
            e.g. make bench ARGS="recovery=3:Parallel runs=1"   or   BENCH="footprint=0,100" make bench""";

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.WARNING);
        java.util.Arrays.stream(QUIET.getHandlers()).forEach(h -> h.setLevel(java.util.logging.Level.WARNING));
        List<String> words = new ArrayList<>(List.of(args));
        String env = System.getenv("BENCH");
        if (words.isEmpty() && env != null && !env.isBlank()) {
            words.addAll(List.of(env.trim().split("\\s+")));
        }
        words.removeIf(String::isBlank);
        boolean all = words.isEmpty() || words.contains("all");
        java.util.Map<String, String> sel = new java.util.LinkedHashMap<>();
        for (String w : words) {
            int eq = w.indexOf('=');
            sel.put(eq < 0 ? w : w.substring(0, eq), eq < 0 ? "" : w.substring(eq + 1));
        }
        for (String k : sel.keySet()) {
            if (!List.of("all", "planner", "hooks", "recovery", "footprint", "startup", "idle", "runs", "delay",
                    "statusdelay")
                    .contains(k)) {
                System.err.println("bench: unknown word '" + k + "'\n" + USAGE);
                System.exit(2);
            }
        }
        boolean needsJar = all || sel.containsKey("recovery") || sel.containsKey("footprint")
                || sel.containsKey("startup") || sel.containsKey("idle");
        if (needsJar && !java.nio.file.Files.exists(org.clusterlabs.rss.testkit.OperatorProcess.JAR)) {
            System.err.println("bench: " + org.clusterlabs.rss.testkit.OperatorProcess.JAR + " is missing; run `mvn"
                    + " package -DskipTests` first (make bench does)");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        if (all || sel.containsKey("planner")) {
            new Runner(new OptionsBuilder()
                    .include(PlannerBenchmark.class.getSimpleName())
                    // in-process: exec:java's class loader is not the JVM's class path, which a fork would need
                    .forks(0)
                    .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                    .build()).run();
        }
        if (all || sel.containsKey("hooks")) {
            hookConcurrency();
        }
        double delay = Double.parseDouble(Optional.ofNullable(sel.get("delay")).filter(v -> !v.isEmpty()).orElse("1"));
        int runs = Integer.parseInt(Optional.ofNullable(sel.get("runs")).filter(v -> !v.isEmpty()).orElse("3"));
        OperatorBench.statusDelayS = Double.parseDouble(
                Optional.ofNullable(sel.get("statusdelay")).filter(v -> !v.isEmpty()).orElse("0"));
        if (all || sel.containsKey("recovery")) {
            String spec = sel.getOrDefault("recovery", "");
            List<Integer> ns = List.of(3, 15, 51);
            List<RecoverySpec.PrimaryStartPolicy> policies = List.of(RecoverySpec.PrimaryStartPolicy.Serial,
                    RecoverySpec.PrimaryStartPolicy.Parallel);
            if (!spec.isEmpty()) {
                String[] parts = spec.split(":", 2);
                if (!parts[0].isEmpty()) {
                    ns = java.util.Arrays.stream(parts[0].split(",")).map(Integer::parseInt).toList();
                }
                if (parts.length > 1) {
                    policies = List.of(RecoverySpec.PrimaryStartPolicy.valueOf(parts[1]));
                }
            }
            try (SimulatedCluster sim = OperatorBench.cluster(Duration.ofSeconds(1));
                    org.clusterlabs.rss.testkit.OperatorProcess op = OperatorBench.operator(sim, "recovery")) {
                System.out.println("  (recovery: operator JVM options " + OperatorBench.jvmOptions() + "; hooks "
                        + delay + " s each, status hook " + OperatorBench.statusDelayS + " s; status period 10 s; atomic power cuts; log " + op.log() + ")");
                for (int n : ns) {
                    for (var policy : policies) {
                        OperatorBench.recovery(sim, n, policy, n == 3 ? runs : 1, delay);
                    }
                }
                if (System.getenv("BENCH_DEBUG") != null) {
                    java.nio.file.Path kept = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                            "rss-bench-recovery.log");
                    java.nio.file.Files.copy(op.log(), kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    System.out.println("  (operator log kept: " + kept + ")");
                }
            }
        }
        if (all || sel.containsKey("footprint")) {
            String spec = sel.getOrDefault("footprint", "");
            List<Integer> ks = spec.isEmpty() ? List.of(0, 100, 250, 500)
                    : java.util.Arrays.stream(spec.split(",")).map(Integer::parseInt).toList();
            OperatorBench.footprint(ks, "60s", Duration.ofSeconds(30));
        }
        if (all || sel.containsKey("startup")) {
            OperatorBench.startup(3);
        }
        if (all || sel.containsKey("idle")) {
            OperatorBench.idle(5, Duration.ofSeconds(40));
        }
        System.out.printf(java.util.Locale.ROOT, "  (bench: %.0f s in all)%n", (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }

    private static void hookConcurrency() throws Exception {
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(false))) {
            KubernetesClient client = sim.client();
            List<String> pods = new ArrayList<>();
            for (int i = 0; i < PODS; i++) {
                pods.add(sim.createPod("bench", "p-" + i, "app").getMetadata().getName());
            }
            HookExecutor hooks = new HookExecutor(client, 32, 65536, null);
            sim.warmUpExec();
            long serial = System.nanoTime();
            for (String pod : pods) {
                hooks.run(sleep(pod)).toCompletableFuture().join();
            }
            double serialS = (System.nanoTime() - serial) / 1e9;
            long parallel = System.nanoTime();
            List<CompletableFuture<HookResult>> all = pods.stream()
                    .map(pod -> hooks.run(sleep(pod)).toCompletableFuture()).toList();
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
            double parallelS = (System.nanoTime() - parallel) / 1e9;
            System.out.printf("hooks: %d x sleep %.1fs on %d pods: one after the other %.2f s, all at once %.2f s,"
                    + " ratio %.1fx (ideal %d.0x)%n", PODS, HOOK_SECONDS, PODS, serialS, parallelS,
                    serialS / parallelS, PODS);
            hooks.shutdown();
        }
    }

    private static HookInvocation sleep(String pod) {
        return new HookInvocation("bench", pod, "app", HookKind.STATUS, List.of("sleep", Double.toString(HOOK_SECONDS)),
                Duration.ofSeconds(30), "bench/bench");
    }
}
