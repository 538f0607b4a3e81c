package org.clusterlabs.rss.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.hooks.HookResult;
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

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.WARNING);
        java.util.Arrays.stream(QUIET.getHandlers()).forEach(h -> h.setLevel(java.util.logging.Level.WARNING));
        new Runner(new OptionsBuilder()
                .include(PlannerBenchmark.class.getSimpleName())
                // in-process: exec:java's class loader is not the JVM's class path, which a fork would need
                .forks(0)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .build()).run();
        hookConcurrency();
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
