package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;

/**
 * The demo app of {@code examples/demo} on the control plane, in a namespace of its own: a ReplicatedStatefulSet
 * {@value #NAME} whose hooks run as local processes through KWOK's Exec (one data directory per pod, its "volume",
 * and the demo's environment: POD_NAME, SERVICE_NAME, POD_FQDN, DEMO_DATA_DIR, RSS_SIM_NET_DIR), as the tier-2 kit
 * gives it (or another app with its own name, hooks and environment: {@link GaleraOnControlPlaneIT}). Every hook
 * runs through a wrapper that logs its start and exit code in the copy's {@code hooks.log}, so that tests count hook
 * runs (seeds, stops) exactly, from the app's side.
 *
 * <p>Execs are configured for ordinals 0 to {@value #MAX_ORDINALS}-1, so that the app can scale up to that.
 */
final class DemoOnControlPlane implements AutoCloseable {

    static final String NAME = "demo";
    static final int MAX_ORDINALS = 5;
    static final Duration PATIENCE = Duration.ofSeconds(150);
    static final List<String> HOOKS = List.of("sequence", "seed", "primary", "secondary", "status", "stop");

    final ControlPlane cp;
    final KubernetesClient admin;
    final String ns;
    /** The ReplicatedStatefulSet's (and its peer Service's) name: {@value #NAME} for the demo. */
    final String name;
    /** The app's hook scripts, each run through a logging wrapper. */
    final Path hooks;
    final Path work;
    final Path net;

    /** A hook's run, from the wrapper's log: when it started (epoch ms) and its exit code (null while it runs). */
    record HookRun(String pod, long startMs, String hook, Integer rc) {
    }

    private DemoOnControlPlane(ControlPlane cp, String ns, String name, Path hooks) {
        this.cp = cp;
        this.admin = cp.admin();
        this.ns = ns;
        this.name = name;
        this.hooks = hooks.toAbsolutePath();
        this.work = cp.runDir().resolve("work").resolve(ns);
        this.net = work.resolve("_net");
    }

    /**
     * A fresh namespace {@code ns} with the demo's Execs ({@code env} added to every hook's environment, e.g.
     * {@code DEMO_DELAY_SEED}), and the ReplicatedStatefulSet created; returns once it is Running with every copy
     * a primary and the demo acknowledges writes. The shared operator is started if it does not run.
     */
    static DemoOnControlPlane create(ControlPlane cp, String ns, int replicas, Map<String, String> env)
            throws Exception {
        DemoOnControlPlane d = prepare(cp, ns, env);
        ControlPlaneOperator.shared(cp);
        d.createResource(replicas);
        return d;
    }

    /** The namespace, data directories and Execs, without the ReplicatedStatefulSet (nor an operator). */
    static DemoOnControlPlane prepare(ControlPlane cp, String ns, Map<String, String> env) throws Exception {
        return prepare(cp, ns, NAME, Path.of("examples/demo/hooks"), (ordinal, dir) -> env);
    }

    /**
     * The same for another app named {@code name} whose hooks are in {@code hooks} (e.g. examples/galera/hooks),
     * with {@code env.apply(ordinal, its data directory)} added to each pod's hook environment (e.g. the pod's own
     * loopback address, or where in its data directory the app keeps what).
     */
    static DemoOnControlPlane prepare(ControlPlane cp, String ns, String name, Path hooks,
            BiFunction<Integer, Path, Map<String, String>> env) throws Exception {
        DemoOnControlPlane d = new DemoOnControlPlane(cp, ns, name, hooks);
        freshNamespace(cp, ns);
        KwokExecIT.awaitServiceAccount(cp, ns);
        d.killDaemons(); // of an earlier run
        deleteTree(d.work);
        Files.createDirectories(d.net);
        d.writeHookWrappers();
        for (int i = 0; i < MAX_ORDINALS; i++) {
            d.configureExec(i, env.apply(i, d.dataDir(i)));
        }
        return d;
    }

    /** Creates the ReplicatedStatefulSet and waits for Running with {@code replicas} primaries and acked writes. */
    ReplicatedStatefulSetStatus createResource(int replicas) throws Exception {
        ControlPlane.Result r = cp.kubectlWith(cp.kubeconfig(), yaml(replicas), "create", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        ReplicatedStatefulSetStatus s = awaitRunning(replicas, 0);
        awaitAcked(acked().size() + 5);
        return s;
    }

    String pod(int ordinal) {
        return name + "-" + ordinal;
    }

    Path dataDir(int ordinal) {
        return work.resolve(pod(ordinal));
    }

    /** KWOK's Exec for one pod: its data directory and the demo's environment plus {@code env}. */
    void configureExec(int ordinal, Map<String, String> env) throws IOException {
        String pod = pod(ordinal);
        String fqdn = pod + "." + name + "." + ns + ".svc";
        Path data = Files.createDirectories(dataDir(ordinal));
        Path link = net.resolve(fqdn);
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, data); // the "network": the pods always exist here
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("HOME", data.toString());
        all.put("LANG", "C.UTF-8");
        all.put("HOSTNAME", pod);
        all.put("POD_NAME", pod);
        all.put("POD_NAMESPACE", ns);
        all.put("POD_ORDINAL", String.valueOf(ordinal));
        all.put("SERVICE_NAME", name);
        all.put("POD_FQDN", fqdn);
        all.put("DEMO_DATA_DIR", data.toString());
        all.put("RSS_SIM_NET_DIR", net.toString());
        all.putAll(env);
        Kwok.exec(cp, ns, pod, "app", data, all);
    }

    /** One wrapper per hook the app has (the hooks are local files: the argv names them by absolute path). */
    private void writeHookWrappers() throws IOException {
        Path dir = Files.createDirectories(work.resolve("_hooks"));
        for (String h : HOOKS) {
            if (!Files.exists(hooks.resolve(h))) {
                continue;
            }
            Path w = dir.resolve(h);
            Files.writeString(w, """
                    #!/bin/sh
                    # logs each run of the app's %1$s hook in the copy's data directory, then runs it
                    log="${DEMO_DATA_DIR:?}/hooks.log"
                    echo "$(date +%%s%%3N) start %1$s" >> "$log"
                    "%2$s/%1$s" "$@"
                    rc=$?
                    echo "$(date +%%s%%3N) end %1$s $rc" >> "$log"
                    exit $rc
                    """.formatted(h, hooks));
            Files.setPosixFilePermissions(w, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    String yaml(int replicas) {
        Map<String, String> hooks = new LinkedHashMap<>();
        for (String h : List.of("sequence", "seed", "primary", "secondary", "stop")) {
            hooks.put(h, "timeout: 20s");
        }
        hooks.put("status", "timeout: 10s, period: 1s");
        return yaml(replicas, "demo:kwok", "{name: app, port: 5000}", hooks, "");
    }

    /**
     * The app's ReplicatedStatefulSet: {@code replicas} copies of one container {@code app} that only sleeps (the
     * hooks start the app), one service port, each hook of {@code hooks} (its name to its settings, e.g.
     * {@code "timeout: 20s"}) run through its wrapper, and {@code moreSpec} (spec lines, two spaces in).
     */
    String yaml(int replicas, String image, String servicePort, Map<String, String> hooks, String moreSpec) {
        Path wrappers = work.resolve("_hooks");
        String hookLines = hooks.entrySet().stream().map(h -> "    %s: {command: [\"%s\"], %s}\n"
                .formatted(h.getKey(), wrappers.resolve(h.getKey()), h.getValue())).collect(Collectors.joining());
        return """
                apiVersion: clusterlabs.org/v1alpha1
                kind: ReplicatedStatefulSet
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  replicas: %3$d
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:%4$s
                      containers:
                      - {name: app, image: "%5$s", command: ["sleep", "infinity"]}
                  servicePorts:
                  - %6$s
                  hooks:
                    container: app
                """.formatted(name, ns, replicas, cp.hasScheduler() ? "" : "\n      nodeName: " + ControlPlane.NODE,
                image, servicePort) + hookLines + moreSpec;
    }

    // ------------------------------------------------------------------------------------------------- the resource

    ReplicatedStatefulSet resource() {
        return admin.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).get();
    }

    ReplicatedStatefulSetStatus status() {
        ReplicatedStatefulSet rss = resource();
        return rss == null || rss.getStatus() == null ? new ReplicatedStatefulSetStatus() : rss.getStatus();
    }

    /** kubectl patch of the ReplicatedStatefulSet (a merge patch), which must succeed. */
    void patch(String mergePatch) {
        ControlPlane.Result r = cp.kubectl("patch", "rss", name, "-n", ns, "--type=merge", "-p", mergePatch);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    ReplicatedStatefulSetStatus awaitStatus(String what, Predicate<ReplicatedStatefulSetStatus> done)
            throws InterruptedException {
        return awaitStatus(what, PATIENCE, done);
    }

    ReplicatedStatefulSetStatus awaitStatus(String what, Duration atMost, Predicate<ReplicatedStatefulSetStatus> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(atMost);
        ReplicatedStatefulSetStatus s = new ReplicatedStatefulSetStatus();
        while (Instant.now().isBefore(deadline)) {
            try {
                s = status();
                if (done.test(s)) {
                    return s;
                }
            } catch (RuntimeException e) {
                // the API server may be down (control-plane faults): try again
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not " + what + " after " + atMost + ": status "
                + io.fabric8.kubernetes.client.utils.Serialization.asJson(s) + "; operator logs in "
                + cp.runDir().resolve("work"));
    }

    /** Running with {@code primaries} primaries (every copy), in an epoch above {@code epochAbove}. */
    ReplicatedStatefulSetStatus awaitRunning(int primaries, long epochAbove) throws InterruptedException {
        return awaitStatus("Running with " + primaries + " primaries in an epoch above " + epochAbove,
                s -> s.getPhase() == Phase.Running && Integer.valueOf(primaries).equals(s.getPrimaries())
                        && s.getEpoch() != null && s.getEpoch() > epochAbove);
    }

    /**
     * A lights-out (begun at {@code sinceMs}, in epoch {@code epoch}) is recovered: Running with 3 primaries in the
     * next epoch, exactly one seed hook started since, on the recorded seed, the app writes again and no
     * acknowledged entry is lost.
     */
    ReplicatedStatefulSetStatus awaitRecoveredWithOneSeed(long epoch, long sinceMs) throws Exception {
        ReplicatedStatefulSetStatus s = awaitRunning(3, epoch);
        assertThat(s.getEpoch()).isEqualTo(epoch + 1);
        assertThat(runs("seed", sinceMs)).as("seed hooks since the lights-out").extracting(HookRun::pod)
                .containsExactly(s.getSeed().getPod());
        awaitAcked(acked().size() + 10);
        assertThat(lost(3)).isEmpty();
        assertThat(runs("seed", sinceMs)).as("still one seed, after the writes resumed").hasSize(1);
        return s;
    }

    // ------------------------------------------------------------------------------------------------ the app's data

    List<String> acked() throws IOException {
        Path f = net.resolve("_acked").resolve(ns + "." + name);
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    void awaitAcked(int n) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (acked().size() < n) {
            assertThat(Instant.now()).as("%d entries acknowledged, waiting for %d", acked().size(), n)
                    .isBefore(deadline);
            Thread.sleep(200);
        }
    }

    List<String> log(int ordinal) throws IOException {
        Path f = dataDir(ordinal).resolve("log");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    /** Acknowledged entries missing from (or different in) the logs of copies 0 to {@code copies}-1. */
    List<String> lost(int copies) throws IOException {
        List<String> acked = acked();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            List<String> log = log(i);
            for (String a : acked) {
                int n = Integer.parseInt(a.substring(0, a.indexOf(' ')));
                if (n > log.size() || !a.equals(log.get(n - 1))) {
                    problems.add(pod(i) + ": entry " + n + " missing or different (acknowledged: " + acked.size()
                            + ", log: " + log.size() + ")");
                    break;
                }
            }
        }
        return problems;
    }

    /**
     * A lights-out: SIGKILLs every copy's daemon at once, between two of the group's writes (while holding the
     * group's lock, as the demo's writers do): every copy then holds the same log. The pods stay; the status hooks
     * see "not running" (exit 7). {@code dropLast[i]}, if given, drops the last entries of copy i's log under the
     * same lock, as if that copy had stopped that many writes earlier (which copy is newest, made deterministic).
     */
    void killDaemons(int... dropLast) throws Exception {
        if (!Files.isDirectory(work)) {
            return;
        }
        StringBuilder sh = new StringBuilder("for f in '" + work + "'/*/daemon.pid; do [ -s \"$f\" ] && "
                + "kill -9 \"$(cat \"$f\")\" 2>/dev/null; done; ");
        for (int i = 0; i < dropLast.length; i++) {
            if (dropLast[i] > 0) {
                String log = dataDir(i).resolve("log").toString();
                sh.append("head -n -").append(dropLast[i]).append(" '").append(log).append("' > '").append(log)
                        .append(".t' && mv '").append(log).append(".t' '").append(log).append("' || exit 1; ");
            }
        }
        underGroupLock(sh.append("exit 0").toString());
    }

    /** SIGKILLs one copy's daemon (its container died), between two of the group's writes. */
    void killDaemon(int ordinal) throws Exception {
        underGroupLock("f='" + dataDir(ordinal).resolve("daemon.pid") + "'; [ -s \"$f\" ] && kill -9 \"$(cat \"$f\")\""
                + " 2>/dev/null; exit 0");
    }

    /** Runs a shell command while holding the demo group's lock (the demo's writers take it for every write). */
    private void underGroupLock(String sh) throws IOException {
        Path lock = net.resolve("_locks").resolve(ns + "." + name);
        Files.createDirectories(lock.getParent());
        ControlPlane.Result r = ControlPlane.run(Duration.ofSeconds(40), List.of("flock", "-w", "30",
                lock.toString(), "sh", "-c", sh));
        assertThat(r.exitCode()).as("under the group lock: %s", r).isZero();
    }

    /** Whether a copy's daemon (its app) runs. */
    boolean daemonAlive(int ordinal) throws IOException {
        Path pidFile = dataDir(ordinal).resolve("daemon.pid");
        String pid = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
        return !pid.isEmpty() && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    // ----------------------------------------------------------------------------------------------- the hook logs

    /** Every hook run on copies 0 to {@value #MAX_ORDINALS}-1, in the order they started. */
    List<HookRun> hookRuns() throws IOException {
        List<HookRun> runs = new ArrayList<>();
        for (int i = 0; i < MAX_ORDINALS; i++) {
            Path f = dataDir(i).resolve("hooks.log");
            if (!Files.exists(f)) {
                continue;
            }
            List<String[]> started = new ArrayList<>();
            List<HookRun> mine = new ArrayList<>();
            for (String line : Files.readAllLines(f)) {
                String[] w = line.trim().split(" ");
                if (w.length >= 3 && w[1].equals("start")) {
                    started.add(w);
                    mine.add(new HookRun(pod(i), Long.parseLong(w[0]), w[2], null));
                } else if (w.length >= 4 && w[1].equals("end")) {
                    for (int k = 0; k < mine.size(); k++) { // the earliest open run of that hook
                        HookRun h = mine.get(k);
                        if (h.hook().equals(w[2]) && h.rc() == null) {
                            mine.set(k, new HookRun(h.pod(), h.startMs(), h.hook(), Integer.parseInt(w[3])));
                            break;
                        }
                    }
                }
            }
            runs.addAll(mine);
        }
        runs.sort(Comparator.comparingLong(HookRun::startMs));
        return runs;
    }

    /** The runs of one hook started at or after {@code sinceMs} (epoch ms). */
    List<HookRun> runs(String hook, long sinceMs) throws IOException {
        return hookRuns().stream().filter(h -> h.hook().equals(hook) && h.startMs() >= sinceMs).toList();
    }

    // -------------------------------------------------------------------------------------------------- clean-up

    /** Deletes the resource while the operator runs (so that it releases its finalizer), then the namespace. */
    @Override
    public void close() throws Exception {
        cp.kubectl("delete", "rss", name, "-n", ns, "--wait=true", "--timeout=45s");
        cp.kubectl("delete", "namespace", ns, "--wait=false");
        killDaemons();
    }

    /**
     * Deletes the namespace of an earlier run and creates it again. A real API server keeps a namespace Terminating
     * while an object in it has a finalizer, and the operator's finalizer is only removed by a running operator:
     * leftovers of a run whose operator died are released by hand first.
     */
    static void freshNamespace(ControlPlane cp, String ns) throws InterruptedException {
        for (String kind : List.of("rss", "pods")) {
            ControlPlane.Result left = cp.kubectl("get", kind, "-n", ns, "-o", "name");
            for (String r : left.output().split("\n")) {
                if (!r.isBlank()) {
                    cp.kubectl("patch", "-n", ns, r.trim(), "--type=merge", "-p",
                            "{\"metadata\":{\"finalizers\":null}}");
                }
            }
        }
        cp.kubectl("delete", "namespace", ns, "--wait=false");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (cp.kubectl("get", "namespace", ns).exitCode() == 0) {
            assertThat(Instant.now()).as("namespace %s still there after 90 s", ns).isBefore(deadline);
            Thread.sleep(500);
        }
        ControlPlane.Result r = cp.kubectl("create", "namespace", ns);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
