package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.controlplane.DemoOnControlPlane.HookRun;
import org.clusterlabs.rss.testkit.OperatorProcess;
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

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        startDemo(controlPlane, "cp-leader", Map.of());
    }

    @Test
    void killMinusNineTheLeaderAndTheStandbyTakesTheLeaseAndRecoversALightsOut() throws Exception {
        OperatorProcess leader = ControlPlaneOperator.shared(cp);
        String leaderId = ControlPlaneOperator.sharedIdentity();
        assertThat(ControlPlaneOperator.leaseHolder(cp)).isEqualTo(leaderId);
        String standbyId = leaderId + "-standby";
        OperatorProcess standby = ControlPlaneOperator.start(cp, standbyId);
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
        ReplicatedStatefulSetStatus s = demo.awaitRunning(3, epoch);
        assertThat(s.getEpoch()).isEqualTo(epoch + 1);
        assertThat(demo.runs("seed", t0)).as("seed hooks since the lights-out").extracting(HookRun::pod)
                .containsExactly(s.getSeed().getPod());
        demo.awaitAcked(demo.acked().size() + 10);
        assertThat(demo.lost(3)).isEmpty();
        assertThat(demo.runs("seed", t0)).hasSize(1);
    }
}
