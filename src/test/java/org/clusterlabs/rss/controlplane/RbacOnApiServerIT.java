package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The generated RBAC ({@code target/kubernetes/kubernetes.yml}) on a real API server with RBAC authorization: the
 * operator's ServiceAccount, authenticated by a token from the TokenRequest API, may do what the operator needs and
 * nothing more (no Secrets, no wildcards).
 */
@ExtendWith(ControlPlaneExtension.class)
@Timeout(value = 120)
class RbacOnApiServerIT {

    static final String NS = "rss-system";
    static final String SA = "rss-operator";

    static ControlPlane cp;
    static Path saKubeconfig;
    static KubernetesClient asOperator;

    @BeforeAll
    static void applyRbac(ControlPlane controlPlane) throws Exception {
        cp = controlPlane;
        saKubeconfig = installRbac(cp);
        asOperator = ControlPlane.client(saKubeconfig);
    }

    @AfterAll
    static void close() {
        if (asOperator != null) {
            asOperator.close();
        }
    }

    /**
     * Applies the ServiceAccount, roles and bindings of the generated manifests (server-side), asks the TokenRequest
     * API for a token of the ServiceAccount and returns a kubeconfig that authenticates with it.
     */
    static Path installRbac(ControlPlane cp) throws Exception {
        KubernetesClient admin = cp.admin();
        cp.kubectl("create", "namespace", NS);
        List<HasMetadata> all;
        try (var in = Files.newInputStream(Path.of("target/kubernetes/kubernetes.yml"))) {
            all = admin.load(in).items();
        }
        List<HasMetadata> rbac = all.stream().filter(r -> r instanceof ServiceAccount || r instanceof ClusterRole
                || r instanceof ClusterRoleBinding || r instanceof Role || r instanceof RoleBinding).toList();
        assertThat(rbac).hasSizeGreaterThanOrEqualTo(3);
        for (HasMetadata r : rbac) {
            admin.resource(r).fieldManager("rss-cp-test").forceConflicts().serverSideApply();
        }
        ControlPlane.Result token = cp.kubectl("create", "token", SA, "-n", NS, "--duration=2h");
        assertThat(token.exitCode()).as("TokenRequest: %s", token).isZero();
        return cp.tokenKubeconfig(SA, token.output().trim());
    }

    @Test
    void theTokenAuthenticatesAsTheServiceAccount() {
        ControlPlane.Result who = cp.kubectlWith(saKubeconfig, null, "auth", "whoami", "-o",
                "jsonpath={.status.userInfo.username}");
        assertThat(who.output()).as(who.toString()).isEqualTo("system:serviceaccount:" + NS + ":" + SA);
    }

    @Test
    void theOperatorCannotReadSecrets() {
        assertThat(allowed("get", "", "secrets", null)).isFalse();
        assertThat(allowed("list", "", "secrets", null)).isFalse();
        assertThat(allowed("watch", "", "secrets", null)).isFalse();
        ControlPlane.Result r = cp.kubectlWith(saKubeconfig, null, "get", "secrets", "-n", NS);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("Forbidden").contains("cannot list resource \"secrets\"");
        // the same answer through impersonation by the admin
        ControlPlane.Result canI = cp.kubectl("auth", "can-i", "get", "secrets", "-A",
                "--as=system:serviceaccount:" + NS + ":" + SA);
        assertThat(canI.output().trim()).isEqualTo("no");
    }

    @Test
    void theOperatorCanDoWhatItNeeds() {
        assertThat(allowed("create", "", "pods", "exec")).as("exec a hook").isTrue();
        assertThat(allowed("get", "", "pods", "exec")).as("the WebSocket upgrade").isTrue();
        assertThat(allowed("patch", "", "pods", null)).as("label pods").isTrue();
        assertThat(allowed("delete", "", "pods", null)).isTrue();
        assertThat(allowed("watch", "", "nodes", null)).isTrue();
        assertThat(allowed("create", "apps", "statefulsets", null)).isTrue();
        assertThat(allowed("create", "", "services", null)).isTrue();
        assertThat(allowed("patch", "clusterlabs.org", "replicatedstatefulsets", "status")).isTrue();
        assertThat(allowed("create", "", "events", null)).isTrue();
        assertThat(allowed("create", "coordination.k8s.io", "leases", null)).isTrue();
    }

    @Test
    void theOperatorCannotDoWhatItDoesNotNeed() {
        assertThat(allowed("create", "", "pods", null)).as("pods come from the StatefulSet").isFalse();
        assertThat(allowed("update", "", "nodes", null)).isFalse();
        assertThat(allowed("get", "", "configmaps", null)).isFalse();
        assertThat(allowed("create", "rbac.authorization.k8s.io", "clusterrolebindings", null)).isFalse();
        assertThat(allowed("create", "", "serviceaccounts", "token")).isFalse();
        assertThat(allowed("delete", "apiextensions.k8s.io", "customresourcedefinitions", null)).isFalse();
        ControlPlane.Result list = cp.kubectlWith(saKubeconfig, null, "auth", "can-i", "--list", "-n", "default");
        System.out.println("rss-operator ServiceAccount, kubectl auth can-i --list -n default:\n" + list.output());
        assertThat(list.output()).doesNotContain("secrets").doesNotContain("*.*");
    }

    /** A SelfSubjectAccessReview sent with the ServiceAccount's token (namespace "default"). */
    private static boolean allowed(String verb, String group, String resource, String subresource) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder().withNewSpec()
                .withNewResourceAttributes().withNamespace("default").withVerb(verb).withGroup(group)
                .withResource(resource).withSubresource(subresource).endResourceAttributes().endSpec().build();
        return asOperator.authorization().v1().selfSubjectAccessReview().create(review).getStatus().getAllowed();
    }
}
