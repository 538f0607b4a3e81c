package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/** KWOK's Exec objects: how an exec into a (fake) pod's container runs, as a local process. */
final class Kwok {

    private Kwok() {
    }

    /**
     * Makes execs into {@code container} of pod {@code namespace/pod} run locally in {@code workDir} with
     * {@code env} added to KWOK's own environment (KWOK's {@code Exec} resource, one per pod).
     */
    static void exec(ControlPlane cp, String namespace, String pod, String container, Path workDir,
            Map<String, String> env) {
        String envs = env.entrySet().stream()
                .map(e -> "        - {name: " + json(e.getKey()) + ", value: " + json(e.getValue()) + "}")
                .collect(Collectors.joining("\n"));
        String yaml = """
                apiVersion: kwok.x-k8s.io/v1alpha1
                kind: Exec
                metadata: {name: %s, namespace: %s}
                spec:
                  execs:
                  - containers: [%s]
                    local:
                      workDir: %s
                      envs:
                %s
                """.formatted(pod, namespace, container, json(workDir.toString()), envs);
        ControlPlane.Result r = cp.kubectlWith(cp.kubeconfig(), yaml, "apply", "--server-side", "-f", "-");
        assertThat(r.exitCode()).as("kwok Exec for %s/%s: %s", namespace, pod, r).isZero();
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
