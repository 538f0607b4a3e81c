package org.clusterlabs.rss.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built operator ({@code target/quarkus-app}, prod profile, its own JVM) run against a simulated cluster, as it
 * would run in its Deployment. Used by {@code make demo} and by the tests of what only the packaged operator does
 * (leader election).
 */
public final class OperatorProcess implements AutoCloseable {

    /** The jar; {@code -Drss.operator.jar=...} runs another build (e.g. one with server-side apply on). */
    public static final Path JAR = Path.of(System.getProperty("rss.operator.jar", "target/quarkus-app/quarkus-run.jar"));

    private final Process process;
    private final int port;
    private final Path log;

    private OperatorProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the operator. {@code identity} names it (its Lease holder identity, and its log file); {@code env} adds
     * configuration as environment variables, e.g. {@code RSS_LEADER_ELECTION_LEASE_DURATION}.
     */
    public static OperatorProcess start(SimulatedCluster sim, String identity, Map<String, String> env)
            throws IOException {
        return start(sim, identity, env, java.util.List.of());
    }

    /** As {@link #start(SimulatedCluster, String, Map)}, with JVM options (e.g. the chart's javaOptions). */
    public static OperatorProcess start(SimulatedCluster sim, String identity, Map<String, String> env,
            java.util.List<String> jvmOptions) throws IOException {
        Path kubeconfig = sim.baseDir().resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: sim, cluster: {server: "%s"}}]
                contexts: [{name: sim, context: {cluster: sim, user: sim, namespace: default}}]
                current-context: sim
                users: [{name: sim, user: {token: sim}}]
                """.formatted(sim.masterUrl()));
        Map<String, String> all = new java.util.HashMap<>();
        all.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true");
        all.putAll(env);
        return start(kubeconfig, sim.baseDir().resolve(identity + ".log"), identity, all, jvmOptions);
    }

    /**
     * Starts the operator against any API server: {@code kubeconfig} says where and as whom, {@code log} receives
     * its output (stdout and stderr).
     */
    public static OperatorProcess start(Path kubeconfig, Path log, String identity, Map<String, String> env)
            throws IOException {
        return start(kubeconfig, log, identity, env, java.util.List.of());
    }

    /** As {@link #start(Path, Path, String, Map)}, with JVM options. */
    public static OperatorProcess start(Path kubeconfig, Path log, String identity, Map<String, String> env,
            java.util.List<String> jvmOptions) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing; run `mvn package -DskipTests` first");
        }
        int port = freePort();
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("RSS_LEADER_ELECTION_IDENTITY", identity);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return new OperatorProcess(pb.start(), port, log);
    }

    /** The operator JVM's process id (for /proc and jcmd). */
    public long pid() {
        return process.pid();
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    /** Waits until {@code /q/health/ready} answers 200. */
    public void awaitReady(Duration patience) throws InterruptedException {
        awaitReady(process, port, log, patience);
    }

    /** Waits until the operator process answers 200 on {@code /q/health/ready}; fails if it exits first. */
    public static void awaitReady(Process process, int port, Path log, Duration patience) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(patience);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the operator exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the operator did not become ready in " + patience + "; see " + log);
    }

    /** SIGKILL, like a lost node: nothing is released, the Lease only expires. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a rollout or a drain sends it. */
    public void terminate() {
        process.destroy();
    }

    /** Whether the process ended within the patience. */
    public boolean awaitExit(Duration patience) throws InterruptedException {
        return process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            kill();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
