package org.clusterlabs.rss.testkit;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.HooksSpec;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.StatusHookSpec;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * What a tier-3 (real application) test needs around the simulated cluster: peer names in {@code /etc/hosts}, a
 * machine-wide lock (addresses and names are fixed), the custom resource's status and pause switch, the pod's real
 * server processes, client commands, durations from the kit's exec log, and a diagnosis dump. Shared by the Galera
 * and PostgreSQL tests; generic for any real app.
 */
public final class RealAppRig {

    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    public RealAppRig(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    // ------------------------------------------------------------------------------------------------ the CR

    public ReplicatedStatefulSet get() {
        return client.resources(ReplicatedStatefulSet.class).inNamespace(namespace).withName(name).get();
    }

    public ReplicatedStatefulSetStatus status() {
        ReplicatedStatefulSet r = get();
        return r == null || r.getStatus() == null ? new ReplicatedStatefulSetStatus() : r.getStatus();
    }

    public void edit(UnaryOperator<ReplicatedStatefulSet> change) {
        client.resources(ReplicatedStatefulSet.class).inNamespace(namespace).withName(name).edit(r -> {
            if (r.getMetadata().getAnnotations() == null) {
                r.getMetadata().setAnnotations(new HashMap<>());
            }
            return change.apply(r);
        });
    }

    /** Pauses (and waits for the Paused phase) or unpauses the operator for this resource. */
    public void pause(boolean paused, Duration patience) {
        edit(r -> {
            r.getSpec().setPaused(paused);
            return r;
        });
        if (paused) {
            await().atMost(patience).until(() -> status().getPhase() == Phase.Paused);
        }
    }

    /** The Events of this resource with that reason. */
    public List<Event> events(String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()))
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    /** Prints each change of phase and Ready message while a test waits, with its time since {@code since}. */
    public final class Tracer {
        private final Instant since;
        private final Consumer<String> say;
        private String last = "";

        public Tracer(Instant since, Consumer<String> say) {
            this.since = since;
            this.say = say;
        }

        public ReplicatedStatefulSetStatus status() {
            ReplicatedStatefulSetStatus s = RealAppRig.this.status();
            String msg = s.getConditions().stream().filter(c -> c.getType().equals("Ready"))
                    .map(c -> c.getReason() + ": " + c.getMessage()).findFirst().orElse("");
            String now = s.getPhase() + " epoch=" + s.getEpoch() + " " + msg;
            if (!now.equals(last)) {
                last = now;
                say.accept(String.format("  +%.1fs %s", Duration.between(since, Instant.now()).toMillis() / 1000.0,
                        now.length() > 300 ? now.substring(0, 300) : now));
            }
            return s;
        }
    }

    /** What the operator recorded and did: status, members, Events, and every exec but {@code status}. */
    public void dump(SimulatedCluster sim, String why, Consumer<String> say) {
        say.accept("DIAGNOSIS: " + why);
        ReplicatedStatefulSetStatus s = status();
        say.accept("  phase=" + s.getPhase() + " epoch=" + s.getEpoch() + " primaries=" + s.getPrimaries() + " seed="
                + (s.getSeed() == null ? null : s.getSeed().getPod() + "@" + s.getSeed().getSequence()
                        + " epoch " + s.getSeed().getEpoch() + " forced " + s.getSeed().getForced()));
        s.getConditions().forEach(c -> say.accept("  condition " + c.getType() + "=" + c.getStatus() + " "
                + c.getReason() + ": " + c.getMessage()));
        s.getMembers().forEach(m -> say.accept("  member " + m.getPod() + " role=" + m.getRole() + " seq="
                + m.getSequence() + " last=" + m.getLastHook() + "/" + m.getLastHookOutcome() + " failures="
                + m.getFailures() + " msg=" + m.getMessage()));
        client.v1().events().inNamespace(namespace).list().getItems().stream()
                .sorted(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())))
                .forEach(e -> say.accept("  event " + e.getLastTimestamp() + " " + e.getType() + " " + e.getReason()
                        + " x" + e.getCount() + ": " + e.getMessage()));
        sim.execLog().stream().filter(e -> e.namespace().equals(namespace) && !cmd(e).endsWith("/status"))
                .forEach(e -> say.accept(String.format("  exec %s %.2fs %s", e.started(), seconds(e), e)));
    }

    /** For {@code @RegisterExtension}: calls {@code dump} with the test's name and failure before JUnit reports it. */
    public static TestWatcher onFailure(Consumer<String> dump) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext ctx, Throwable cause) {
                dump.accept(ctx.getDisplayName() + " failed: " + cause);
            }
        };
    }

    /** The last lines of a log file, for a diagnosis. */
    public static void tail(Path log, int n, Consumer<String> say) throws IOException {
        if (Files.exists(log)) {
            List<String> l = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            say.accept("  " + log + " (last " + n + " lines):");
            l.subList(Math.max(0, l.size() - n), l.size()).forEach(x -> say.accept("    " + x));
        }
    }

    /**
     * A resource whose one container only sleeps, with a volume {@code data} at {@code mountPath}, plain env, one
     * service port, the hooks {@code /hooks/<name>} with these timeouts (keys: sequence, seed, primary, secondary,
     * stop), {@code /hooks/status} with its timeout and period, and one seed retry.
     */
    public static ReplicatedStatefulSet resource(String namespace, String name, int replicas, String container,
            String image, String mountPath, Map<String, String> env, String portName, int port,
            Map<String, String> hookTimeouts, String statusTimeout, String statusPeriod) {
        ReplicatedStatefulSet rss = RssFixtures.valid(namespace, name, replicas);
        rss.getSpec().getTemplate().getSpec().setContainers(new ArrayList<>(List.of(new ContainerBuilder()
                .withName(container).withImage(image).withCommand("sleep", "infinity").withEnv(env(env))
                .addNewVolumeMount().withName("data").withMountPath(mountPath).endVolumeMount()
                .build())));
        rss.getSpec().setServicePorts(new ArrayList<>(List.of(
                new ServicePortBuilder().withName(portName).withPort(port).build())));
        HooksSpec hooks = new HooksSpec();
        hooks.setContainer(container);
        hookTimeouts.forEach((hook, timeout) -> {
            HookSpec h = new HookSpec(new ArrayList<>(List.of("/hooks/" + hook)), timeout);
            switch (hook) {
                case "sequence" -> hooks.setSequence(h);
                case "seed" -> hooks.setSeed(h);
                case "primary" -> hooks.setPrimary(h);
                case "secondary" -> hooks.setSecondary(h);
                case "stop" -> hooks.setStop(h);
                default -> throw new IllegalArgumentException("no hook " + hook);
            }
        });
        hooks.setStatus(new StatusHookSpec(new ArrayList<>(List.of("/hooks/status")), statusTimeout, statusPeriod));
        rss.getSpec().setHooks(hooks);
        RecoverySpec recovery = new RecoverySpec();
        recovery.setSeedRetries(1);
        rss.getSpec().setRecovery(recovery);
        rss.getMetadata().setAnnotations(new HashMap<>());
        return rss;
    }

    /** Ordinals as the lines print them: "1,2,0". */
    public static String join(List<Integer> ordinals) {
        return ordinals.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    public static double secondsSince(Instant t) {
        return Duration.between(t, Instant.now()).toMillis() / 1000.0;
    }

    /** Container env entries with plain values, sorted by name. */
    public static List<EnvVar> env(Map<String, String> m) {
        return new TreeMap<>(m).entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
    }

    // ------------------------------------------------------------------------------------------------ the machine

    /** Holds {@code flock path} in a child process until {@link #unlock}; fails after 10 minutes. */
    public static Process lock(String path) throws IOException {
        Process p = new ProcessBuilder("flock", "-w", "600", path, "sh", "-c", "echo locked; exec cat >/dev/null")
                .redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        if (!"locked".equals(first)) {
            throw new IllegalStateException("flock " + path + ": " + first);
        }
        return p;
    }

    public static void unlock(Process holder) throws IOException, InterruptedException {
        if (holder != null) {
            holder.getOutputStream().close();
            holder.destroy();
            holder.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** The end of a test class: its /etc/hosts lines go, its lock is released, its result lines are printed. */
    public static void release(String hostsTag, Process lockHolder, List<String> results)
            throws IOException, InterruptedException {
        try {
            hostsRemove(hostsTag);
            unlock(lockHolder);
        } finally {
            System.out.println("results:");
            results.forEach(l -> System.out.println("  " + l));
        }
    }

    static final Path HOSTS = Path.of("/etc/hosts");

    /** Appends {@code address name  tag} lines (in place: /etc/hosts may be a bind mount). */
    public static void hostsAdd(String tag, Map<String, String> nameToAddress) throws IOException {
        hostsRemove(tag);
        String add = nameToAddress.entrySet().stream().map(e -> e.getValue() + " " + e.getKey() + " " + tag + "\n")
                .collect(Collectors.joining());
        String hosts = Files.readString(HOSTS);
        Files.writeString(HOSTS, (hosts.endsWith("\n") || hosts.isEmpty() ? hosts : hosts + "\n") + add,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }

    public static void hostsRemove(String tag) throws IOException {
        String hosts = Files.readString(HOSTS);
        if (hosts.contains(tag)) {
            String kept = hosts.lines().filter(l -> !l.contains(tag)).collect(Collectors.joining("\n", "", "\n"));
            Files.writeString(HOSTS, kept, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        }
    }

    /** Makes every directory from {@code dir} up to {@code top} searchable by other users (a server's own user). */
    public static void openUpTo(Path dir, Path top) throws IOException {
        for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    /** True once the process is gone or a zombie. */
    public static boolean gone(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    public static void awaitGone(long pid, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> gone(pid));
    }

    /** Live processes whose command line contains both fragments (e.g. the binary and the kit's base dir). */
    public static List<Long> processes(String fragment, String alsoFragment) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .forEach(n -> {
                        try {
                            String cmdline = new String(Files.readAllBytes(Path.of("/proc", n, "cmdline")),
                                    StandardCharsets.UTF_8).replace('\0', ' ');
                            long pid = Long.parseLong(n);
                            if (cmdline.contains(fragment) && cmdline.contains(alsoFragment) && !gone(pid)) {
                                pids.add(pid);
                            }
                        } catch (IOException | RuntimeException e) {
                            // gone meanwhile
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return pids;
    }

    /** A client command's exit code (-1: killed after its timeout) and output. */
    public record Result(int rc, String out, String err) {
    }

    /** Runs a client command (never inside a pod: without the kit's pod marker) with {@code stdin}. */
    public static Result run(List<String> cmd, String stdin, Duration timeout) throws IOException,
            InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("RSS_SIM_POD_UID");
        Path out = Files.createTempFile("rss-client-", ".out");
        Path err = Files.createTempFile("rss-client-", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            try (OutputStream os = p.getOutputStream()) {
                os.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            int rc = -1;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                rc = p.exitValue();
            } else {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            return new Result(rc, Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    // ------------------------------------------------------------------------------------------------ exec log

    /** The execs of this namespace that started at or after {@code since}. */
    public List<ExecRecord> execsSince(SimulatedCluster sim, Instant since) {
        return sim.execLog().stream().filter(e -> e.namespace().equals(namespace))
                .filter(e -> e.started() != null && !e.started().isBefore(since)).toList();
    }

    /** The first successful {@code argv0} exec on {@code pod} in {@code log}. */
    public static ExecRecord firstSuccess(List<ExecRecord> log, String argv0, String pod) {
        return log.stream().filter(e -> cmd(e).equals(argv0) && e.pod().equals(pod)).filter(RealAppRig::succeeded)
                .findFirst().orElseThrow(() -> new AssertionError("no successful " + argv0 + " on " + pod + ": " + log));
    }

    /** Per pod, the last successful {@code argv0} exec that ended by {@code by}: the round that elected a seed. */
    public static Map<String, ExecRecord> lastRoundBefore(List<ExecRecord> log, String argv0, Instant by) {
        Map<String, ExecRecord> last = new LinkedHashMap<>();
        log.stream().filter(e -> cmd(e).equals(argv0) && e.ended() != null && !e.ended().isAfter(by)
                && succeeded(e)).forEach(e -> last.put(e.pod(), e));
        return last;
    }

    public static String cmd(ExecRecord e) {
        return e.argv().get(0);
    }

    /** How long the exec ran, in seconds (0 while it runs). */
    public static double seconds(ExecRecord e) {
        return e.ended() == null ? 0 : Duration.between(e.started(), e.ended()).toMillis() / 1000.0;
    }

    public static boolean succeeded(ExecRecord e) {
        return e.exitCode() != null && e.exitCode() == 0;
    }
}
