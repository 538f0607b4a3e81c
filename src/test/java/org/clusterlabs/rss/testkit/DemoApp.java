package org.clusterlabs.rss.testkit;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The demo app of {@code examples/demo} in the simulated cluster: where its hooks are, a StatefulSet for it, and
 * the "nothing lost" check (every acknowledged entry is in the log of every given copy, at its place).
 */
public final class DemoApp {

    /** The container path the demo's hooks are mounted at ({@code /hooks/sequence}, ...). */
    public static final String HOOKS_MOUNT = "/hooks";
    public static final String CONTAINER = "app";

    private DemoApp() {
    }

    /** {@code examples/demo/hooks}, found from the working directory (the project root under Maven). */
    public static Path hooksDir() {
        Path p = Path.of("examples/demo/hooks").toAbsolutePath().normalize();
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("demo hooks not found at " + p + " (run from the project root)");
        }
        return p;
    }

    /** Mounts the demo's hooks at {@value #HOOKS_MOUNT} in every pod of the cluster. */
    public static void install(SimulatedCluster cluster) {
        cluster.mount(HOOKS_MOUNT, hooksDir());
    }

    /** argv of a demo hook, as a CR would name it. */
    public static List<String> hook(String name, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(HOOKS_MOUNT + "/" + name);
        argv.addAll(List.of(args));
        return argv;
    }

    /** A Parallel, OnDelete StatefulSet running the demo app (its command only sleeps: the hooks start the app). */
    public static StatefulSet statefulSet(String namespace, String name, int replicas) {
        return new StatefulSetBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).addToLabels("app", name).endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name).withPodManagementPolicy("Parallel")
                .withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(CONTAINER).withImage("demo:sim")
                .withCommand("sleep", "infinity")
                .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                .addNewEnv().withName("DEMO_DATA_DIR").withValue("/data").endEnv()
                .endContainer().endSpec().endTemplate()
                .endSpec().build();
    }

    /** The FQDN the operator passes as a peer ({@code {pod}.{service}.{ns}.svc}). */
    public static String fqdn(String namespace, String service, String pod) {
        return pod + "." + service + "." + namespace + ".svc";
    }

    /**
     * SIGKILLs every process of a copy between two of the group's writes: the kit holds the group's lock (as the
     * demo's writers do, with {@code flock}) while it kills. A copy killed in the middle of a write would have
     * replicated an unacknowledged entry to some peers only, and a peer that then finds itself behind steps out of
     * the group (correct for the app, but it would make "which copy is newest" a matter of luck in a staged
     * failure).
     */
    public static void killBetweenWrites(SimulatedCluster cluster, String namespace, String service, String pod) {
        Path lock = cluster.netDir().resolve("_locks").resolve(group(namespace, service));
        try {
            Files.createDirectories(lock.getParent());
            Process holder = new ProcessBuilder("flock", "-w", "30", lock.toString(), "sh", "-c", "echo locked; read _")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (BufferedReader out = holder.inputReader(StandardCharsets.UTF_8);
                    Writer in = holder.outputWriter(StandardCharsets.UTF_8)) {
                if (!"locked".equals(out.readLine())) {
                    throw new IllegalStateException("could not take the demo group's lock " + lock);
                }
                cluster.killPodProcesses(namespace, pod);
                in.write("\n");
            } finally {
                if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Entries acknowledged to the client so far. */
    public static List<String> acked(SimulatedCluster cluster, String namespace, String service) {
        return readLines(cluster.netDir().resolve("_acked").resolve(group(namespace, service)));
    }

    /** The demo group's name in the simulated network, as lib.sh builds it ({@code $GROUP}). */
    private static String group(String namespace, String service) {
        return namespace + "." + service;
    }

    /** A copy's log. */
    public static List<String> log(SimulatedCluster cluster, String namespace, String pod) {
        return readLines(cluster.dataDir(namespace, pod).resolve("log"));
    }

    /**
     * Every acknowledged entry must be in each given copy's log, at its place. Returns the problems (empty = nothing
     * lost), e.g. {@code rss-1: entry 17 is "17 rss-0 ab12", acknowledged "17 rss-2 cd34"}.
     */
    public static List<String> lostEntries(SimulatedCluster cluster, String namespace, String service, String... pods) {
        List<String> acked = acked(cluster, namespace, service);
        List<String> problems = new ArrayList<>();
        for (String pod : pods) {
            List<String> log = log(cluster, namespace, pod);
            for (String a : acked) {
                int n = Integer.parseInt(a.substring(0, a.indexOf(' ')));
                String have = n <= log.size() ? log.get(n - 1) : null;
                if (!a.equals(have)) {
                    problems.add(pod + ": entry " + n + " is " + (have == null ? "missing" : "\"" + have + "\"")
                            + ", acknowledged \"" + a + "\"");
                    break; // the first difference per copy is enough
                }
            }
        }
        return problems;
    }

    /**
     * No copy may contradict an acknowledged entry: every entry a copy holds at a number that was acknowledged must
     * be that acknowledged entry (a copy stopped early may lack later entries; it must not have different ones).
     * Returns the problems (empty = consistent).
     */
    public static List<String> divergentEntries(SimulatedCluster cluster, String namespace, String service,
            String... pods) {
        List<String> acked = acked(cluster, namespace, service);
        List<String> problems = new ArrayList<>();
        for (String pod : pods) {
            List<String> log = log(cluster, namespace, pod);
            for (int i = 0; i < Math.min(log.size(), acked.size()); i++) {
                if (!acked.get(i).equals(log.get(i))) {
                    problems.add(pod + ": entry " + (i + 1) + " is \"" + log.get(i) + "\", acknowledged \""
                            + acked.get(i) + "\"");
                    break;
                }
            }
        }
        return problems;
    }

    private static List<String> readLines(Path p) {
        try {
            return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
