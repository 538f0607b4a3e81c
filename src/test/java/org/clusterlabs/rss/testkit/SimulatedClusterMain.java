package org.clusterlabs.rss.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a simulated cluster until killed, with the demo app's hooks mounted at /hooks, and writes a kubeconfig for it:
 * point the operator (or kubectl) at it with {@code KUBECONFIG=<baseDir>/kubeconfig}. For {@code make demo}.
 * Arguments: [baseDir] (default: a temp dir).
 */
public final class SimulatedClusterMain {

    private SimulatedClusterMain() {
    }

    public static void main(String[] args) throws Exception {
        SimulatedCluster.Options options = new SimulatedCluster.Options();
        if (args.length > 0) {
            options.baseDir(Path.of(args[0]));
        }
        SimulatedCluster cluster = SimulatedCluster.start(options);
        DemoApp.install(cluster);
        Path kubeconfig = cluster.baseDir().resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: sim
                  cluster:
                    server: %s
                contexts:
                - name: sim
                  context:
                    cluster: sim
                    user: sim
                    namespace: default
                current-context: sim
                users:
                - name: sim
                  user:
                    token: sim
                """.formatted(cluster.masterUrl()));
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
        System.out.println("simulated cluster at " + cluster.masterUrl());
        System.out.println("KUBECONFIG=" + kubeconfig);
        System.out.println("data dirs under " + cluster.baseDir());
        Thread.currentThread().join();
    }
}
