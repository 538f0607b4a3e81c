package org.clusterlabs.rss.controlplane;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real control plane of {@code scripts/control-plane.sh} (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and KWOK on loopback), started once per JVM by {@link ControlPlaneExtension}. A control plane that
 * already runs (e.g. {@code make cluster}) is reused, and left running.
 */
public final class ControlPlane {

    public static final String K8S_VERSION = "v1.36.3";
    public static final String ETCD_VERSION = "v3.6.16";
    public static final String KWOK_VERSION = "v0.8.0";
    /** The node KWOK manages; every pod of the tier is scheduled there. */
    public static final String NODE = "kwok-node-0";

    static final Path SCRIPT = Path.of("scripts/control-plane.sh").toAbsolutePath();

    private final Path kubeconfig;
    private final Path bin;
    private final Path runDir;
    private final String server;
    private final boolean startedHere;
    private KubernetesClient admin;

    private ControlPlane(Map<String, String> paths, boolean startedHere) {
        this.kubeconfig = Path.of(paths.get("KUBECONFIG"));
        this.bin = Path.of(paths.get("BIN"));
        this.runDir = Path.of(paths.get("RUN"));
        this.server = paths.get("APISERVER");
        this.startedHere = startedHere;
    }

    /** Starts the control plane through the script, or reuses the running one. */
    static ControlPlane startOrReuse() {
        Map<String, String> paths = paths();
        for (String b : List.of("etcd", "kube-apiserver", "kubectl", "kwok")) {
            if (!Files.isExecutable(Path.of(paths.get("BIN"), b))) {
                throw new IllegalStateException("the control-plane binaries are not built (" + paths.get("BIN") + "/"
                        + b + " is missing): run `scripts/control-plane.sh build` once (tens of minutes)");
            }
        }
        boolean running = run(Duration.ofSeconds(30), List.of(SCRIPT.toString(), "status")).exitCode() == 0;
        if (!running) {
            Result r = run(Duration.ofSeconds(240), List.of(SCRIPT.toString(), "start"));
            if (r.exitCode() != 0) {
                throw new IllegalStateException("scripts/control-plane.sh start failed (" + r.exitCode() + "):\n"
                        + r.output());
            }
        }
        return new ControlPlane(paths, !running);
    }

    private static Map<String, String> paths() {
        Result r = run(Duration.ofSeconds(30), List.of(SCRIPT.toString(), "paths"));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("scripts/control-plane.sh paths failed: " + r.output());
        }
        Map<String, String> m = new HashMap<>();
        for (String line : r.output().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    /** Stops the control plane if this JVM started it. */
    void stopIfStartedHere() {
        if (admin != null) {
            admin.close();
        }
        if (startedHere && !"1".equals(System.getenv("RSS_CP_KEEP"))) {
            run(Duration.ofSeconds(60), List.of(SCRIPT.toString(), "stop"));
        }
    }

    /** Whether kube-scheduler runs; without it, pods must name their node ({@link #NODE}). */
    public boolean hasScheduler() {
        return Files.isExecutable(bin.resolve("kube-scheduler"));
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public Path runDir() {
        return runDir;
    }

    public String server() {
        return server;
    }

    /** A client with the admin's credentials (system:masters). */
    public synchronized KubernetesClient admin() {
        if (admin == null) {
            admin = client(kubeconfig);
        }
        return admin;
    }

    /** A client from a kubeconfig file. */
    public static KubernetesClient client(Path kubeconfig) {
        Config config = Config.fromKubeconfig(kubeconfig.toFile());
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** A kubeconfig file that authenticates with a bearer token (a ServiceAccount's), written into the run dir. */
    public Path tokenKubeconfig(String name, String token) {
        Path p = runDir.resolve("kubeconfig-" + name);
        try {
            Files.writeString(p, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: rss-cp, cluster: {server: "%s", certificate-authority: "%s"}}]
                    users: [{name: %s, user: {token: "%s"}}]
                    contexts: [{name: rss-cp, context: {cluster: rss-cp, user: %s, namespace: default}}]
                    current-context: rss-cp
                    """.formatted(server, runDir.resolve("pki/ca.crt"), name, token, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * {@code scripts/control-plane.sh} with these arguments, e.g. {@code kill kube-apiserver} or {@code restart etcd}
     * (control-plane faults), bounded in time.
     */
    public Result script(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(SCRIPT.toString());
        argv.addAll(List.of(args));
        return run(timeout, argv);
    }

    /** kubectl (the one built with the control plane) with the admin kubeconfig, bounded in time. */
    public Result kubectl(String... args) {
        return kubectlWith(kubeconfig, null, args);
    }

    /** kubectl with a given kubeconfig and optional stdin. */
    public Result kubectlWith(Path config, String stdin, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(bin.resolve("kubectl").toString());
        argv.add("--kubeconfig");
        argv.add(config.toString());
        argv.add("--request-timeout=30s");
        argv.addAll(List.of(args));
        return run(Duration.ofSeconds(60), argv, stdin);
    }

    public record Result(int exitCode, String output, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + output + "\nstderr: " + stderr;
        }
    }

    static Result run(Duration timeout, List<String> argv) {
        return run(timeout, argv, null);
    }

    static Result run(Duration timeout, List<String> argv, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder(argv);
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                return new Result(-1, out.getNow(""), "timed out after " + timeout + ": " + argv);
            }
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<String> drain(InputStream s) {
        return CompletableFuture.supplyAsync(() -> {
            try (s) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                s.transferTo(b);
                return b.toString(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
    }
}
