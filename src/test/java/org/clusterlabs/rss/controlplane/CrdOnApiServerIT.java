package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The generated CRD on a real kube-apiserver: accepted by server-side apply, explained by kubectl, and its OpenAPI
 * and CEL rules enforced at admission (the in-memory API server of tier 2 enforces none of them).
 */
@ExtendWith(ControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class CrdOnApiServerIT {

    static final Path CRD = Path.of("target/kubernetes/replicatedstatefulsets.clusterlabs.org-v1.yml");
    static final String NS = "cp-crd";

    static ControlPlane cp;

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        cp = controlPlane;
        installCrd(cp);
        cp.kubectl("create", "namespace", NS);
    }

    @AfterAll
    static void cleanUp() {
        // the objects here are for admission only: an operator started later must not reconcile them
        cp.kubectl("delete", "namespace", NS, "--wait=false");
    }

    /** Applies the generated CRD server-side and waits until it is Established; fails with what the server said. */
    static void installCrd(ControlPlane cp) throws InterruptedException {
        assertThat(CRD).as("run `mvn package` first: the CRD is generated at build time").exists();
        ControlPlane.Result r = cp.kubectl("apply", "--server-side", "--force-conflicts", "-f", CRD.toString());
        assertThat(r.exitCode()).as("the API server refused the CRD: %s", r).isZero();
        // (`kubectl wait --for=condition=Established` fails at once while the new CRD has no conditions yet)
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        ControlPlane.Result w;
        do {
            w = cp.kubectl("get", "crd", "replicatedstatefulsets.clusterlabs.org", "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Established\")].status}");
            if ("True".equals(w.output().trim())) {
                return;
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("CRD not Established after 60 s: " + w);
    }

    @Test
    @Order(1)
    void theCrdIsAcceptedServerSideWithItsRulesIntact() {
        ControlPlane.Result r = cp.kubectl("get", "crd", "replicatedstatefulsets.clusterlabs.org", "-o",
                "jsonpath={.status.conditions[?(@.type==\"NamesAccepted\")].status} "
                        + "{.status.conditions[?(@.type==\"Established\")].status} "
                        + "{.status.conditions[?(@.type==\"NonStructuralSchema\")].status}");
        assertThat(r.output().trim()).as(r.toString()).isEqualTo("True True");
        // the rules are kept as written (a server that dropped x-kubernetes-validations would accept anything)
        ControlPlane.Result rules = cp.kubectl("get", "crd", "replicatedstatefulsets.clusterlabs.org", "-o",
                "jsonpath={..x-kubernetes-validations[*].rule}");
        assertThat(rules.output()).contains("self.primaries <= self.replicas").contains("size(self.command) > 0");
    }

    @Test
    @Order(2)
    void kubectlExplainsTheHooks() throws InterruptedException {
        // the OpenAPI v3 document of a new CRD is published a moment after it is Established
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        ControlPlane.Result r;
        do {
            r = cp.kubectl("explain", "rss.spec.hooks");
            if (r.exitCode() == 0) {
                break;
            }
            Thread.sleep(1000);
        } while (Instant.now().isBefore(deadline));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).contains("KIND:", "ReplicatedStatefulSet", "FIELD: hooks")
                .contains("sequence", "primary", "status", "stop");
        ControlPlane.Result seq = cp.kubectl("explain", "rss.spec.hooks.sequence.command");
        assertThat(seq.output()).as(seq.toString()).contains("argv");
    }

    @Test
    @Order(3)
    void moreprimariesThanReplicasIsRefusedAtAdmission() {
        ControlPlane.Result r = create(rss("too-many-primaries", "replicas: 2\n  primaries: 3",
                "[\"/hooks/sequence\"]"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("is invalid").contains("spec").contains("primaries");
    }

    @Test
    @Order(4)
    void anEmptyHookCommandIsRefusedAtAdmissionNamingTheField() {
        ControlPlane.Result r = create(rss("empty-command", "replicas: 1", "[]"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("is invalid").contains("spec.hooks.sequence.command");
    }

    @Test
    @Order(5)
    void negativeReplicasAreRefusedAtAdmissionNamingTheField() {
        ControlPlane.Result r = create(rss("negative-replicas", "replicas: -1", "[\"/hooks/sequence\"]"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("is invalid").contains("spec.replicas");
    }

    @Test
    @Order(6)
    void aValidObjectIsAcceptedAndTheGaleraExampleToo() throws Exception {
        // dry run: an object stored here would be reconciled by an operator started later (and get its finalizer)
        ControlPlane.Result ok = cp.kubectlWith(cp.kubeconfig(),
                rss("valid", "replicas: 3\n  primaries: 1", "[\"/hooks/sequence\"]"), "create", "-n", NS,
                "--dry-run=server", "-f", "-");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        String galera = Files.readString(Path.of("examples/galera/rss.yaml"));
        ControlPlane.Result g = cp.kubectlWith(cp.kubeconfig(), galera, "create", "-n", NS, "--dry-run=server",
                "-f", "-");
        assertThat(g.exitCode()).as(g.toString()).isZero();
        assertThat(g.stderr()).as("no warnings (e.g. unknown fields dropped)").doesNotContain("Warning");
    }

    private static ControlPlane.Result create(String yaml) {
        return cp.kubectlWith(cp.kubeconfig(), yaml, "create", "-n", NS, "-f", "-");
    }

    /** A minimal ReplicatedStatefulSet: {@code replicas} is a YAML fragment at spec level. */
    static String rss(String name, String replicas, String sequenceCommand) {
        return """
                apiVersion: clusterlabs.org/v1alpha1
                kind: ReplicatedStatefulSet
                metadata:
                  name: %s
                spec:
                  %s
                  template:
                    spec:
                      containers:
                      - name: app
                        image: demo:kwok
                        command: ["sleep", "infinity"]
                  hooks:
                    sequence: {command: %s, timeout: 30s}
                    primary: {command: ["/hooks/primary"], timeout: 30s}
                    status: {command: ["/hooks/status"], timeout: 10s, period: 5s}
                    stop: {command: ["/hooks/stop"], timeout: 30s}
                """.formatted(name, replicas, sequenceCommand);
    }
}
