package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two packaged operator processes and a real Lease ({@code coordination.k8s.io}, in rss-system, under the generated
 * RBAC): the shared operator leads; a standby waits; kill -9 the leader, a lights-out follows at once, and the
 * standby takes the Lease once it expires and recovers the app (exactly one seed, nothing lost). The standby then
 * is the tier's shared operator.
 */
@Timeout(value = 300)
class LeaderElectionOnApiServerIT extends DemoScenario {

    static OperatorProcess standby;
    static String standbyId;

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        ControlPlaneOperator.shared(controlPlane); // the leader
        standbyId = ControlPlaneOperator.sharedIdentity() + "-standby";
        standby = ControlPlaneOperator.start(controlPlane, standbyId); // its JVM starts while the app is created
        startDemo(controlPlane, "cp-leader", Map.of());
    }

    @AfterAll
    static void stopAStandbyThatDidNotTakeOver() throws Exception {
        if (standby != null && !standbyId.equals(ControlPlaneOperator.sharedIdentity())) {
            standby.close();
        }
    }

    @Test
    void killMinusNineTheLeaderAndTheStandbyTakesTheLeaseAndRecoversALightsOut() throws Exception {
        OperatorProcess leader = ControlPlaneOperator.shared(cp);
        String leaderId = ControlPlaneOperator.sharedIdentity();
        assertThat(ControlPlaneOperator.leaseHolder(cp)).isEqualTo(leaderId);
        standby.awaitReady(ControlPlaneOperator.STARTUP);
        Thread.sleep(3_000);
        assertThat(ControlPlaneOperator.leaseHolder(cp)).as("the standby waits").isEqualTo(leaderId);

        long epoch = demo.status().getEpoch();
        leader.kill(); // SIGKILL: the Lease is not given back, it only expires (45 s)
        Instant killed = Instant.now();
        long t0 = System.currentTimeMillis();
        demo.killDaemons(); // a lights-out that nobody handles until the standby leads
        ControlPlaneOperator.replaceShared(standby, standbyId);

        Instant deadline = killed.plus(Duration.ofSeconds(75));
        while (!standbyId.equals(ControlPlaneOperator.leaseHolder(cp))) {
            assertThat(Instant.now()).as("the standby has not taken the Lease").isBefore(deadline);
            assertThat(standby.isAlive()).as("the standby exited; see %s", standby.log()).isTrue();
            Thread.sleep(500);
        }
        System.out.printf("[figures] leader SIGKILLed; the standby took the Lease after %d ms%n",
                Duration.between(killed, Instant.now()).toMillis());
        demo.awaitRecoveredWithOneSeed(epoch, t0);
    }
}
