package org.clusterlabs.rss.recoverylive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.DemoApp;
import org.clusterlabs.rss.testkit.SimulatedCluster;

/** One demo-app ReplicatedStatefulSet in its own namespace of the simulated cluster, with the steps tests take. */
final class LiveCluster {

    static final Duration PATIENCE = Duration.ofSeconds(90);

    final SimulatedCluster sim;
    final KubernetesClient client;
    final String ns;
    final String name;

    LiveCluster(SimulatedCluster sim, String ns, String name) {
        this.sim = sim;
        this.client = sim.client();
        this.ns = ns;
        this.name = name;
    }

    static ReplicatedStatefulSet demoResource(String ns, String name, int replicas) {
        ReplicatedStatefulSet rss = RssFixtures.valid(ns, name, replicas);
        rss.getSpec().getHooks().getStatus().setPeriod("1s");
        for (var hook : List.of(rss.getSpec().getHooks().getSequence(), rss.getSpec().getHooks().getSeed(),
                rss.getSpec().getHooks().getPrimary(), rss.getSpec().getHooks().getSecondary(),
                rss.getSpec().getHooks().getStop())) {
            hook.setTimeout("30s");
        }
        rss.getSpec().getHooks().getStatus().setTimeout("10s");
        return rss;
    }

    LiveCluster create(int replicas, UnaryOperator<ReplicatedStatefulSet> customize) {
        DemoApp.install(sim);
        client.resource(customize.apply(demoResource(ns, name, replicas))).create();
        return this;
    }

    String pod(int ordinal) {
        return name + "-" + ordinal;
    }

    ReplicatedStatefulSet get() {
        return client.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).get();
    }

    ReplicatedStatefulSetStatus status() {
        ReplicatedStatefulSet r = get();
        return r == null || r.getStatus() == null ? new ReplicatedStatefulSetStatus() : r.getStatus();
    }

    /** Edits the resource as a user would: on a conflict with the operator's own writes, read again and retry. */
    void edit(UnaryOperator<ReplicatedStatefulSet> change) {
        await().atMost(PATIENCE).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
            client.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).edit(change);
            return true;
        });
    }

    ReplicatedStatefulSetStatus awaitRunning(int primaries) {
        return awaitStatus(s -> s.getPhase() == Phase.Running && s.getPrimaries() != null
                && s.getPrimaries() == primaries);
    }

    /** Waits until the status satisfies the condition; a timeout shows the status and the Events. */
    ReplicatedStatefulSetStatus awaitStatus(Predicate<ReplicatedStatefulSetStatus> condition) {
        AtomicReference<ReplicatedStatefulSetStatus> seen = new AtomicReference<>();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            ReplicatedStatefulSetStatus s = status();
            assertThat(condition.test(s)).as(this::describe).isTrue();
            seen.set(s);
        });
        return seen.get();
    }

    /** Lets the demo app acknowledge more entries, so copies stopped later hold more data. */
    void awaitMoreAcked(int more) {
        int now = DemoApp.acked(sim, ns, name).size();
        await().atMost(PATIENCE).until(() -> DemoApp.acked(sim, ns, name).size() >= now + more);
    }

    /**
     * A rolling power failure the operator cannot react to (it is paused): the given copies stop one after the
     * other, with writes landing in between, then the power is cut. The operator stays paused. Returns the epoch
     * before the failure.
     */
    long rollingPowerFailure(String... stopFirst) {
        awaitMoreAcked(3);
        pause(true);
        for (String pod : stopFirst) {
            DemoApp.killBetweenWrites(sim, ns, name, pod);
            awaitMoreAcked(5);
        }
        long epoch = epoch();
        sim.cutPower(ns, name);
        return epoch;
    }

    /** Waits for the recovery that follows a lights-out: a new epoch, Running, every copy a primary. */
    ReplicatedStatefulSetStatus awaitRecoveredAfter(long epochBefore, int primaries) {
        return awaitStatus(s -> s.getPhase() == Phase.Running && s.getEpoch() != null && s.getEpoch() > epochBefore
                && s.getPrimaries() != null && s.getPrimaries() == primaries);
    }

    long epoch() {
        Long e = status().getEpoch();
        return e == null ? 0 : e;
    }

    /** The status and the Events, to explain a failed wait. */
    String describe() {
        StringBuilder b = new StringBuilder("status: ")
                .append(io.fabric8.kubernetes.client.utils.Serialization.asJson(status())).append("\nevents:\n");
        client.v1().events().inNamespace(ns).list().getItems().forEach(e -> b.append("  ").append(e.getReason())
                .append(": ").append(e.getMessage()).append('\n'));
        for (int i = 0; i < 5; i++) {
            java.nio.file.Path out = sim.dataDir(ns, pod(i)).resolve("daemon.out");
            try {
                if (java.nio.file.Files.exists(out)) {
                    List<String> lines = java.nio.file.Files.readAllLines(out);
                    b.append(pod(i)).append(" daemon.out (tail):\n");
                    lines.subList(Math.max(0, lines.size() - 8), lines.size())
                            .forEach(l -> b.append("    ").append(l).append('\n'));
                }
            } catch (java.io.IOException e) {
                b.append(pod(i)).append(": ").append(e).append('\n');
            }
        }
        return b.toString();
    }

    List<String> lost() {
        String[] pods = sim.podsOf(ns, name).stream().map(p -> p.getMetadata().getName()).toArray(String[]::new);
        return DemoApp.lostEntries(sim, ns, name, pods);
    }

    List<Event> events(String reason) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()))
                .filter(e -> name.equals(e.getInvolvedObject().getName()))
                .toList();
    }

    /** The runs of one hook (by its argv[0]) in this resource's pods that started after {@code since}. */
    List<org.clusterlabs.rss.testkit.ExecRecord> execsSince(String hook, java.time.Instant since) {
        return sim.execLog().stream().filter(e -> e.namespace().equals(ns))
                .filter(e -> e.argv().get(0).equals(hook))
                .filter(e -> e.started() != null && e.started().isAfter(since))
                .toList();
    }

    List<Pod> podsLabelled(String role) {
        return client.pods().inNamespace(ns).withLabel("rss.clusterlabs.org/role", role).list().getItems();
    }

    void pause(boolean paused) {
        edit(r -> {
            r.getSpec().setPaused(paused);
            return r;
        });
        if (paused) {
            await().atMost(PATIENCE).until(() -> status().getPhase() == Phase.Paused);
        }
    }

    /** Deletes the resource and its StatefulSet, and kills every process of its pods. */
    void tearDown() {
        client.resources(ReplicatedStatefulSet.class).inNamespace(ns).withName(name).delete();
        sim.podsOf(ns, name).forEach(p -> sim.killPodProcesses(ns, p.getMetadata().getName()));
        client.apps().statefulSets().inNamespace(ns).withName(name).delete();
    }
}
