package org.clusterlabs.rss.testkit;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;

/**
 * What a tier-3 (real application) test needs around the simulated cluster: peer names in {@code /etc/hosts}, a
 * machine-wide lock (addresses and names are fixed), the custom resource's status and pause switch, the pod's real
 * server processes, and durations from the kit's exec log. Used by the PostgreSQL test; generic for any real app.
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

    // ------------------------------------------------------------------------------------------------ exec log

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
