package org.clusterlabs.rss.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Control-plane faults during a recovery: kube-apiserver SIGKILLed for 10 s (then started again with the same
 * flags: {@code scripts/control-plane.sh kill|restart}), and separately etcd SIGKILLed and restarted. The seed hook
 * is slow ({@code DEMO_DELAY_SEED=8}), and the fault strikes once the seed is recorded, while the seed hook runs
 * (its exec stream goes through the API server). Each time the recovery completes with exactly one seed hook run
 * and no acknowledged entry lost.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300)
class ControlPlaneFaultsIT extends DemoScenario {

    @BeforeAll
    static void setUp(ControlPlane controlPlane) throws Exception {
        startDemo(controlPlane, "cp-faults", Map.of("DEMO_DELAY_SEED", "8"));
    }

    @Test
    @Order(1)
    void kubeApiserverKilledForTenSecondsDuringTheSeed() throws Exception {
        recoverThrough(() -> {
            kill("kube-apiserver");
            Thread.sleep(10_000);
            restart("kube-apiserver");
        });
    }

    @Test
    @Order(2)
    void etcdRestartedDuringTheSeed() throws Exception {
        recoverThrough(() -> {
            kill("etcd");
            Thread.sleep(3_000);
            restart("etcd");
        });
    }

    interface Fault {
        void strike() throws Exception;
    }

    private static void recoverThrough(Fault fault) throws Exception {
        org.clusterlabs.rss.testkit.OperatorProcess operator = ControlPlaneOperator.shared(cp);
        ReplicatedStatefulSetStatus before = demo.awaitRunning(3, 0);
        long epoch = before.getEpoch();
        long t0 = System.currentTimeMillis();
        demo.killDaemons();
        demo.awaitStatus("a seed recorded", Duration.ofSeconds(60),
                s -> s.getSeed() != null && s.getSeed().getEpoch() != null && s.getSeed().getEpoch() > epoch);
        assertThat(demo.runs("seed", t0)).as("the fault strikes while no seed hook has ended")
                .allSatisfy(h -> assertThat(h.rc()).isNull());
        fault.strike();
        demo.awaitRecoveredWithOneSeed(epoch, t0);
        assertThat(operator.isAlive()).as("the operator rode the fault out (it was not restarted)").isTrue();
    }

    private static void kill(String component) {
        ControlPlane.Result r = cp.script(Duration.ofSeconds(30), "kill", component);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private static void restart(String component) {
        ControlPlane.Result r = cp.script(Duration.ofSeconds(150), "restart", component);
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }
}
