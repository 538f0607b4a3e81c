package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exec through the real kube-apiserver to KWOK, which runs the argv as a local process: the exit code reaches the
 * client (kubectl, and fabric8 as the operator uses it), with stdout, the Exec's environment and working directory.
 */
@ExtendWith(ControlPlaneExtension.class)
@Timeout(value = 120)
class KwokExecIT {

    static final String NS = "cp-exec";
    static final String POD = "exec-0";

    static ControlPlane cp;
    static Path workDir;

    @BeforeAll
    static void podWithLocalExec(ControlPlane controlPlane) throws Exception {
        cp = controlPlane;
        KubernetesClient k = cp.admin();
        DemoOnControlPlane.freshNamespace(cp, NS); // (a real API server refuses most pod updates: recreate)
        workDir = Files.createDirectories(cp.runDir().resolve("work").resolve(NS).resolve(POD));
        Kwok.exec(cp, NS, POD, "app", workDir, Map.of("RSS_CP_TEST", "hello from the Exec"));
        awaitServiceAccount(cp, NS);
        Pod pod = new PodBuilder().withNewMetadata().withName(POD).withNamespace(NS).endMetadata()
                .withNewSpec().withNodeName(ControlPlane.NODE).addNewContainer().withName("app").withImage("demo:kwok")
                .withCommand("sleep", "infinity").endContainer().endSpec().build();
        k.pods().inNamespace(NS).resource(pod).create();
        k.pods().inNamespace(NS).withName(POD).waitUntilReady(60, TimeUnit.SECONDS);
    }

    /** The ServiceAccount admission plugin refuses pods until the namespace's "default" ServiceAccount exists. */
    static void awaitServiceAccount(ControlPlane cp, String ns) throws InterruptedException {
        for (int i = 0; i < 120; i++) {
            if (cp.admin().serviceAccounts().inNamespace(ns).withName("default").get() != null) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("no default ServiceAccount in " + ns + " after 30 s");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 7, 8})
    void kubectlExecGivesTheExitCode(int code) {
        ControlPlane.Result r = cp.kubectl("exec", "-n", NS, POD, "-c", "app", "--", "sh", "-c",
                "echo out; exit " + code);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(code);
        assertThat(r.output()).isEqualTo("out\n");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 7, 8})
    void fabric8ExecGivesTheExitCodeAndStdout(int code) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Status> exit = new CompletableFuture<>();
        try (ExecWatch w = cp.admin().pods().inNamespace(NS).withName(POD).inContainer("app")
                .writingOutput(out).writingError(err)
                .usingListener(new ExecListener() {
                    @Override
                    public void onExit(int c, Status status) {
                        exit.complete(status);
                    }

                    @Override
                    public void onClose(int c, String reason) {
                        exit.complete(null);
                    }
                })
                .exec("sh", "-c", "echo \"$RSS_CP_TEST in $(pwd)\"; echo oops >&2; exit " + code)) {
            assertThat(w.exitCode().get(30, TimeUnit.SECONDS)).isEqualTo(code);
            Status status = exit.get(30, TimeUnit.SECONDS);
            if (code != 0) {
                assertThat(status).as("an exit status before the close").isNotNull();
                assertThat(status.getReason()).isEqualTo("NonZeroExitCode");
            }
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hello from the Exec in " + workDir + "\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("oops\n");
    }

    @Test
    void argvIsPassedAsArgvNotThroughAShell() {
        ControlPlane.Result r = cp.kubectl("exec", "-n", NS, POD, "-c", "app", "--", "printf", "[%s]\\n",
                "a b", "$HOME", "'q'", "é");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.output()).isEqualTo("[a b]\n[$HOME]\n['q']\n[é]\n");
    }

    @Test
    void aMissingCommandIsAnErrorNotAnExitCode() {
        ControlPlane.Result r = cp.kubectl("exec", "-n", NS, POD, "-c", "app", "--", "/nonexistent/hook");
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("/nonexistent/hook");
    }
}
