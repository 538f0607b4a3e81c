package org.clusterlabs.rss.controlplane;

import org.clusterlabs.rss.testkit.OperatorProcess;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The packaged operator ({@code target/quarkus-app/quarkus-run.jar}, prod profile) against the real control plane,
 * authenticated as its ServiceAccount under the generated RBAC. The demo app of {@code examples/demo} runs as
 * local processes through KWOK's Exec: each pod gets its own data directory (its "volume") and the demo's
 * environment (POD_NAME, SERVICE_NAME, POD_FQDN, DEMO_DATA_DIR, RSS_SIM_NET_DIR), as the tier-2 kit gives it.
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 240)
class OperatorOnApiServerIT {

    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final String NS = "cp-demo";
    static final String NAME = "demo";
    static final int REPLICAS = 3;
    static final Duration PATIENCE = Duration.ofSeconds(150);

    static ControlPlane cp;
    static KubernetesClient admin;
    static Path work;
    static Path net;
    static Process operator;
    static Path operatorLog;

    @BeforeAll
    static void startOperator(ControlPlane controlPlane) throws Exception {
        cp = controlPlane;
        admin = cp.admin();
        assertThat(JAR).as("run `mvn package` first").exists();
        CrdOnApiServerIT.installCrd(cp);
        Path saKubeconfig = RbacOnApiServerIT.installRbac(cp);
        freshNamespace(cp, NS);
        KwokExecIT.awaitServiceAccount(cp, NS);

        work = cp.runDir().resolve("work").resolve(NS);
        killDaemons(); // of an earlier run
        deleteTree(work);
        net = Files.createDirectories(work.resolve("_net"));
        Path hooks = Path.of("examples/demo/hooks").toAbsolutePath();
        for (int i = 0; i < REPLICAS; i++) {
            String pod = NAME + "-" + i;
            String fqdn = pod + "." + NAME + "." + NS + ".svc";
            Path data = Files.createDirectories(work.resolve(pod));
            Files.createSymbolicLink(net.resolve(fqdn), data); // the "network": the pods always exist here
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", data.toString());
            env.put("LANG", "C.UTF-8");
            env.put("HOSTNAME", pod);
            env.put("POD_NAME", pod);
            env.put("POD_NAMESPACE", NS);
            env.put("POD_ORDINAL", String.valueOf(i));
            env.put("SERVICE_NAME", NAME);
            env.put("POD_FQDN", fqdn);
            env.put("DEMO_DATA_DIR", data.toString());
            env.put("RSS_SIM_NET_DIR", net.toString());
            Kwok.exec(cp, NS, pod, "app", data, env);
        }
        // the hooks are local files: their argv names them by absolute path
        String yaml = """
                apiVersion: clusterlabs.org/v1alpha1
                kind: ReplicatedStatefulSet
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  replicas: %3$d
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:%5$s
                      containers:
                      - {name: app, image: "demo:kwok", command: ["sleep", "infinity"]}
                  servicePorts:
                  - {name: app, port: 5000}
                  hooks:
                    container: app
                    sequence: {command: ["%4$s/sequence"], timeout: 20s}
                    seed: {command: ["%4$s/seed"], timeout: 20s}
                    primary: {command: ["%4$s/primary"], timeout: 20s}
                    secondary: {command: ["%4$s/secondary"], timeout: 20s}
                    status: {command: ["%4$s/status"], timeout: 10s, period: 1s}
                    stop: {command: ["%4$s/stop"], timeout: 20s}
                """.formatted(NAME, NS, REPLICAS, hooks,
                cp.hasScheduler() ? "" : "\n      nodeName: " + ControlPlane.NODE);
        Files.writeString(work.resolve("rss.yaml"), yaml);

        operatorLog = work.resolve("operator.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString());
        pb.environment().put("KUBECONFIG", saKubeconfig.toString());
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(freePort()));
        pb.environment().put("RSS_LEADER_ELECTION_IDENTITY", "cp-test");
        pb.environment().put("RSS_LEADER_ELECTION_LEASE_NAMESPACE", RbacOnApiServerIT.NS);
        // Leader election is on, under the generated RBAC (which now grants the patch that renewals use).
        pb.redirectErrorStream(true).redirectOutput(operatorLog.toFile());
        operator = pb.start();
        awaitReady(Integer.parseInt(pb.environment().get("QUARKUS_HTTP_PORT")));
    }

    /**
     * Deletes the namespace of an earlier run and creates it again. A real API server keeps a namespace Terminating
     * while an object in it has a finalizer, and the operator's finalizer is only removed by a running operator:
     * leftovers of a run whose operator died are released by hand first.
     */
    static void freshNamespace(ControlPlane cp, String ns) throws InterruptedException {
        ControlPlane.Result left = cp.kubectl("get", "rss", "-n", ns, "-o", "name");
        for (String r : left.output().split("\n")) {
            if (!r.isBlank()) {
                cp.kubectl("patch", "-n", ns, r.trim(), "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}");
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

    @AfterAll
    static void stop() throws Exception {
        if (cp != null && operator != null && operator.isAlive()) {
            // while the operator runs, so that it releases its finalizer
            cp.kubectl("delete", "rss", NAME, "-n", NS, "--wait=true", "--timeout=45s");
        }
        if (operator != null) {
            operator.destroy();
            if (!operator.waitFor(30, TimeUnit.SECONDS)) {
                operator.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (cp != null) {
            cp.kubectl("delete", "namespace", NS, "--wait=false");
        }
        killDaemons();
    }

    @Test
    @Order(1)
    void aFreshCreateReachesRunningWithItsStatefulSetAndServices() throws Exception {
        ControlPlane.Result r = cp.kubectlWith(cp.kubeconfig(), Files.readString(work.resolve("rss.yaml")), "create",
                "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        ReplicatedStatefulSetStatus s = awaitStatus("Running with 3 primaries",
                st -> st.getPhase() == Phase.Running && Integer.valueOf(REPLICAS).equals(st.getPrimaries()));
        assertThat(s.getEpoch()).isEqualTo(1L);

        StatefulSet sts = admin.apps().statefulSets().inNamespace(NS).withName(NAME).get();
        assertThat(sts).isNotNull();
        assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(sts.getMetadata().getOwnerReferences()).anySatisfy(o -> {
            assertThat(o.getKind()).isEqualTo("ReplicatedStatefulSet");
            assertThat(o.getController()).isTrue();
        });
        List<Service> services = admin.services().inNamespace(NS).list().getItems();
        assertThat(services).anySatisfy(svc -> {
            assertThat(svc.getMetadata().getName()).isEqualTo(NAME);
            assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
            assertThat(svc.getSpec().getPublishNotReadyAddresses()).isTrue();
        });
        assertThat(services).hasSizeGreaterThanOrEqualTo(2);
        for (int i = 0; i < REPLICAS; i++) {
            Pod pod = admin.pods().inNamespace(NS).withName(NAME + "-" + i).get();
            assertThat(pod.getSpec().getNodeName()).isEqualTo(ControlPlane.NODE);
            assertThat(Files.readString(work.resolve(NAME + "-" + i).resolve("role")).trim()).isEqualTo("primary");
        }
        awaitAcked(10);
    }

    @Test
    @Order(2)
    void aLightsOutIsRecoveredFromTheNewestCopy() throws Exception {
        long epoch = status().getEpoch();
        killDaemons(); // every copy's app stops at once; the pods stay (the hooks see "not running": exit 7)
        int acked = acked().size();
        ReplicatedStatefulSetStatus s = awaitStatus("recovered after a lights-out",
                st -> st.getPhase() == Phase.Running && st.getEpoch() != null && st.getEpoch() > epoch
                        && Integer.valueOf(REPLICAS).equals(st.getPrimaries()));
        assertThat(s.getSeed()).isNotNull();
        awaitAcked(acked + 10);
        assertThat(lost()).isEmpty();
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private static ReplicatedStatefulSetStatus status() {
        ReplicatedStatefulSet rss = admin.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).get();
        return rss == null || rss.getStatus() == null ? new ReplicatedStatefulSetStatus() : rss.getStatus();
    }

    private static ReplicatedStatefulSetStatus awaitStatus(String what, Predicate<ReplicatedStatefulSetStatus> done)
            throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        ReplicatedStatefulSetStatus s = status();
        while (Instant.now().isBefore(deadline)) {
            s = status();
            if (done.test(s)) {
                return s;
            }
            assertThat(operator.isAlive()).as("the operator exited; see " + operatorLog).isTrue();
            Thread.sleep(500);
        }
        throw new AssertionError("not " + what + " after " + PATIENCE + ": phase " + s.getPhase() + ", epoch "
                + s.getEpoch() + ", members " + s.getMembers() + "; operator log " + operatorLog);
    }

    private static List<String> acked() throws IOException {
        Path f = net.resolve("_acked").resolve(NS + "." + NAME);
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    private static void awaitAcked(int n) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (acked().size() < n) {
            assertThat(Instant.now()).as("%d entries acknowledged, waiting for %d", acked().size(), n)
                    .isBefore(deadline);
            Thread.sleep(200);
        }
    }

    /** Acknowledged entries missing from (or different in) a copy's log. */
    private static List<String> lost() throws IOException {
        List<String> acked = acked();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            Path logFile = work.resolve(NAME + "-" + i).resolve("log");
            List<String> log = Files.exists(logFile) ? Files.readAllLines(logFile) : List.of();
            for (String a : acked) {
                int n = Integer.parseInt(a.substring(0, a.indexOf(' ')));
                if (n > log.size() || !a.equals(log.get(n - 1))) {
                    problems.add(NAME + "-" + i + ": entry " + n + " missing or different");
                    break;
                }
            }
        }
        return problems;
    }

    /** SIGKILLs the demo's daemons (processes this test started through the hooks), by their pid files. */
    private static void killDaemons() throws IOException {
        if (work == null || !Files.isDirectory(work)) {
            return;
        }
        try (var dirs = Files.list(work)) {
            for (Path d : dirs.toList()) {
                Path pidFile = d.resolve("daemon.pid");
                if (Files.exists(pidFile)) {
                    String pid = Files.readString(pidFile).trim();
                    if (!pid.isEmpty()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    private static void awaitReady(int port) throws Exception {
        OperatorProcess.awaitReady(operator, port, operatorLog, Duration.ofSeconds(60));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
