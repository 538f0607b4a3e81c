package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.clusterlabs.rss.testkit.OperatorProcess;

/**
 * The packaged operator ({@code target/quarkus-app}, prod profile, leader election on) run against the control plane
 * as its ServiceAccount under the generated RBAC. One is shared by the tier's scenarios (it watches every
 * namespace; each scenario has its own), started on first use and stopped before the control plane.
 *
 * <p>Its Lease is longer than the default (45 s, renew deadline 40 s) so that it rides out the control-plane faults
 * of {@link ControlPlaneFaultsIT} (kube-apiserver down for 10 s, then its restart): with the default 15 s/10 s an
 * operator that cannot renew for 10 s stops leading and exits, and its Deployment restarts it.
 */
final class ControlPlaneOperator {

    static final String LEASE_NAME = "rss-operator-leader";
    static final Map<String, String> LEASE = Map.of("RSS_LEADER_ELECTION_LEASE_DURATION", "45s",
            "RSS_LEADER_ELECTION_RENEW_DEADLINE", "40s", "RSS_LEADER_ELECTION_RETRY_PERIOD", "2s",
            "RSS_LEADER_ELECTION_LEASE_NAMESPACE", RbacOnApiServerIT.NS);
    static final Duration STARTUP = Duration.ofSeconds(90);

    private static OperatorProcess shared;
    private static String sharedIdentity;

    private ControlPlaneOperator() {
    }

    /** The shared operator, started (CRD and RBAC installed first) if none runs. */
    static synchronized OperatorProcess shared(ControlPlane cp) throws Exception {
        if (shared == null || !shared.isAlive()) {
            shared = start(cp, "cp-operator");
            sharedIdentity = "cp-operator";
            shared.awaitReady(STARTUP);
        }
        return shared;
    }

    /** Another operator process with the shared one's settings (a standby, for leader election). */
    static OperatorProcess start(ControlPlane cp, String identity) throws Exception {
        assertThat(OperatorProcess.JAR).as("run `mvn package -DskipTests` first").exists();
        CrdOnApiServerIT.installCrd(cp);
        Path saKubeconfig = RbacOnApiServerIT.installRbac(cp);
        Path log = Files.createDirectories(cp.runDir().resolve("work")).resolve("operator-" + identity + ".log");
        return OperatorProcess.start(saKubeconfig, log, identity, LEASE);
    }

    /** Makes {@code p} (a standby that took over the Lease) the shared operator. */
    static synchronized void replaceShared(OperatorProcess p, String identity) {
        shared = p;
        sharedIdentity = identity;
    }

    /** The shared operator's log (of the one started first, or of the standby that took over). */
    static synchronized Path log() {
        return shared.log();
    }

    static synchronized String sharedIdentity() {
        return sharedIdentity;
    }

    /** The holder of the operator's Lease, or null. */
    static String leaseHolder(ControlPlane cp) {
        Lease lease = cp.admin().resources(Lease.class).inNamespace(RbacOnApiServerIT.NS).withName(LEASE_NAME).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    /** Stops the shared operator (SIGTERM: it gives its Lease back), before the control plane stops. */
    static synchronized void stopShared() {
        if (shared != null) {
            try {
                shared.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            shared = null;
        }
    }
}
