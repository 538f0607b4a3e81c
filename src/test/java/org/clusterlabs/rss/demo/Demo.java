package org.clusterlabs.rss.demo;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.testkit.DemoApp;
import org.clusterlabs.rss.testkit.OperatorProcess;
import org.clusterlabs.rss.testkit.SimulatedCluster;

/**
 * {@code make demo}: the real operator (the built jar, in its own JVM) against the embedded simulated cluster. It
 * creates a 3-copy demo app, cuts the power with pod 2 newest, and shows the recovery as a live view.
 */
public final class Demo {

    private static final String NS = "demo";
    private static final String NAME = "demo";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private final SimulatedCluster sim;
    private final KubernetesClient client;
    private final LiveView view;
    private final Instant start = Instant.now();

    private Demo(SimulatedCluster sim) {
        this.sim = sim;
        this.client = sim.client();
        this.view = new LiveView(System.console() != null);
    }

    /** Held so the level sticks: the in-memory API server logs every request, which is not a view. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("");

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.WARNING);
        java.util.Arrays.stream(QUIET.getHandlers()).forEach(h -> h.setLevel(java.util.logging.Level.WARNING));
        boolean keepRunning = List.of(args).contains("--keep-running");
        if (!Files.exists(OperatorProcess.JAR)) {
            System.err.println("demo: " + OperatorProcess.JAR + " is missing; run `mvn package -DskipTests` first"
                    + " (make demo does)");
            System.exit(2);
        }
        int exit;
        try (SimulatedCluster sim = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(true))) {
            DemoApp.install(sim);
            try (OperatorProcess operator = OperatorProcess.start(sim, "operator", Map.of())) {
                exit = new Demo(sim).run(operator, keepRunning);
            }
        }
        System.exit(exit);
    }

    private int run(OperatorProcess operator, boolean keepRunning) throws Exception {
        say("Operator started (its log: " + operator.log() + "); waiting until it is ready");
        operator.awaitReady(PATIENCE);
        say("Creating ReplicatedStatefulSet " + NS + "/" + NAME + " with 3 copies of examples/demo");
        client.resource(resource()).create();
        watchUntil("forming", s -> s.getPhase() == Phase.Running && Integer.valueOf(3).equals(s.getPrimaries()));
        awaitAcked(20);

        say("A rolling power failure: copies stop one by one (the operator is paused, so it cannot restart them),"
                + " so that demo-2 holds the newest data; then the power is cut");
        setPaused(true);
        DemoApp.killBetweenWrites(sim, NS, NAME, "demo-0");
        awaitAcked(DemoApp.acked(sim, NS, NAME).size() + 8);
        DemoApp.killBetweenWrites(sim, NS, NAME, "demo-1");
        awaitAcked(DemoApp.acked(sim, NS, NAME).size() + 8);
        sim.cutPower(NS, NAME);
        setPaused(false);
        say("POWER CUT. Data on disk: demo-0=" + logSize("demo-0") + " demo-1=" + logSize("demo-1")
                + " demo-2=" + logSize("demo-2") + " entries; " + DemoApp.acked(sim, NS, NAME).size()
                + " were acknowledged to clients");
        Instant cut = Instant.now();

        ReplicatedStatefulSetStatus recovered = watchUntil("recovering",
                s -> s.getPhase() == Phase.Running && s.getEpoch() != null && s.getEpoch() >= 2
                        && Integer.valueOf(3).equals(s.getPrimaries()));
        double seconds = Duration.between(cut, Instant.now()).toMillis() / 1000.0;
        List<String> lost = DemoApp.lostEntries(sim, NS, NAME, "demo-0", "demo-1", "demo-2");
        say(String.format("Recovered in %.1f s: seed %s (sequence %d, epoch %d); acknowledged entries lost: %d",
                seconds, recovered.getSeed().getPod(), recovered.getSeed().getSequence(),
                recovered.getSeed().getEpoch(), lost.size()));
        lost.forEach(l -> say("  LOST " + l));
        if (keepRunning) {
            say("Staying up (--keep-running): metrics on http://localhost:" + operator.port() + "/q/metrics; Ctrl-C to stop");
            Thread.currentThread().join();
        }
        return lost.isEmpty() && "demo-2".equals(recovered.getSeed().getPod()) ? 0 : 1;
    }

    private void setPaused(boolean paused) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME).edit(r -> {
                    r.getSpec().setPaused(paused);
                    return r;
                });
                break;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (attempt == 10) {
                    throw e;
                }
                Thread.sleep(100); // a conflict with the operator's own status write: read again
            }
        }
        if (paused) {
            watchUntil("pausing", s -> s.getPhase() == Phase.Paused);
        }
    }

    private ReplicatedStatefulSet resource() {
        ReplicatedStatefulSet rss = RssFixtures.valid(NS, NAME, 3);
        rss.getSpec().getHooks().getStatus().setPeriod("1s");
        return rss;
    }

    private ReplicatedStatefulSetStatus watchUntil(String stage, Predicate<ReplicatedStatefulSetStatus> done)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (Instant.now().isBefore(deadline)) {
            ReplicatedStatefulSet rss = client.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(NAME)
                    .get();
            ReplicatedStatefulSetStatus status = rss == null || rss.getStatus() == null
                    ? new ReplicatedStatefulSetStatus() : rss.getStatus();
            view.render(stage, Duration.between(start, Instant.now()), status, events());
            if (done.test(status)) {
                return status;
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException("the demo did not reach the end of stage '" + stage + "' in " + PATIENCE);
    }

    private List<Event> events() {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .sorted(Comparator.comparing(Event::getLastTimestamp))
                .toList();
    }

    private void awaitAcked(int n) throws InterruptedException {
        Instant deadline = Instant.now().plus(PATIENCE);
        while (DemoApp.acked(sim, NS, NAME).size() < n) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the demo app acknowledged only " + DemoApp.acked(sim, NS, NAME).size()
                        + " of " + n + " entries in " + PATIENCE);
            }
            Thread.sleep(100);
        }
    }

    private int logSize(String pod) {
        return DemoApp.log(sim, NS, pod).size();
    }

    private void say(String line) {
        view.say(line);
    }

    static final Set<String> SHOWN_EVENTS = Set.of("SequencesCollected", "SeedElected", "Seeded", "MemberStarted",
            "MemberFailed", "MemberRestarted", "WaitingForMembers", "ForcedSeed", "RegressionRefused",
            "ScaleDownStop", "PodDeleted");
}
