package org.clusterlabs.rss.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One schedule of the whole control loop: a world of copies with real write histories, a simulated operator that
 * keeps only its {@link RecordedState} across restarts, and a seeded random scheduler of faults. Every step runs one
 * reconcile and then checks the invariants. The same seed always replays the same schedule.
 */
final class Simulation {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration STEP = Duration.ofSeconds(5);
    static final int MAX_COPIES = 8;
    static final int LONGEST_HOOK_STEPS = 3;
    static final int QUIET_STEPS = 300;

    /** Breakages the mutation runs switch on; all false in the committed suite. */
    static boolean mutationRunActionsBeforePersisting = false;

    private final long seed;
    private final SplittableRandom rnd;
    private final boolean tracing;
    private final List<String> trace = new ArrayList<>();
    private final Planner planner = new Planner();

    // the user's spec
    private int replicas;
    private final int primaries;
    private final MissingMembersPolicy policy;
    private final PrimaryStartPolicy startPolicy;

    // the world
    private final Copy[] copies = new Copy[MAX_COPIES];
    private int statefulSetReplicas;
    private int templateRevision;
    private int step;
    private int nextCluster;
    private int nextWrite;
    private final List<PendingStart> pending = new ArrayList<>();

    // the operator: persisted record and annotation survive restarts, the rest is memory
    private RecordedState persisted = RecordedState.initial();
    private Optional<String> forceAnnotation = Optional.empty();
    private final Map<String, Observed<StatusReport>> statusSeen = new HashMap<>();
    private final Map<String, Observed<SequenceResult>> sequenceSeen = new HashMap<>();
    private final Map<String, HookKind> inFlight = new HashMap<>();
    private final Map<String, Instant> lastStartOrStop = new HashMap<>();
    private final Map<String, Integer> podUidSeen = new HashMap<>();
    private int generation;
    private Instant orphanHooksEndBy = Instant.MIN;
    private Decision lastDecision;

    // the oracle
    private History lastAcked;
    /**
     * After a forced seed, or a quorum seed that skipped a silent copy, writes held only elsewhere may be lost, and
     * a skipped copy keeps a diverged history whose bare sequence number can later win an election: the
     * acknowledged-write invariant no longer holds for the rest of the schedule, by the user's choice.
     */
    private boolean lossAccepted;
    private final Map<Long, String> seedPodByEpoch = new TreeMap<>();
    private long highestSeedEpoch;
    private String violation;
    private int steps;
    private int quietStepsUsed;

    record PendingStart(int due, Copy copy, HookKind kind, List<String> peers, int incarnation, int generation,
            boolean takesEffect) {
    }

    record Result(long seed, int steps, String violation, List<String> trace) {
    }

    Simulation(long seed, boolean tracing) {
        this.seed = seed;
        this.rnd = new SplittableRandom(seed);
        this.tracing = tracing;
        this.replicas = 3 + rnd.nextInt(5);
        this.primaries = rnd.nextBoolean() ? replicas : 1 + rnd.nextInt(replicas);
        this.policy = rnd.nextInt(10) < 7 ? MissingMembersPolicy.WAIT : MissingMembersPolicy.QUORUM;
        this.startPolicy = rnd.nextBoolean() ? PrimaryStartPolicy.SERIAL : PrimaryStartPolicy.PARALLEL;
        this.statefulSetReplicas = replicas;
        for (int i = 0; i < replicas; i++) {
            Copy c = copy(i);
            c.podExists = true;
        }
    }

    Result run() {
        if (tracing) {
            log("start: replicas=" + replicas + " primaries=" + primaries + " policy=" + policy + " start=" + startPolicy);
        }
        int faultSteps = 30 + rnd.nextInt(60);
        for (int i = 0; i < faultSteps && violation == null; i++) {
            tick(true);
        }
        if (violation == null) {
            heal();
        }
        int converged = 0;
        for (int i = 0; i < QUIET_STEPS && violation == null && converged < 3; i++) {
            tick(false);
            quietStepsUsed++;
            converged = converged() ? converged + 1 : 0;
        }
        if (violation == null && converged < 3) {
            violate("invariant 5: liveness, not every copy reached its wanted role within " + QUIET_STEPS
                    + " steps after the faults stopped");
        }
        return new Result(seed, steps, violation, trace);
    }

    // ---------------------------------------------------------------- the loop

    private void tick(boolean faults) {
        step++;
        steps++;
        completeStarts();
        worldMoves(faults);
        if (faults) {
            injectFaults();
        }
        userReactsToRefusal(faults);
        if (faults && rnd.nextInt(100) == 0) {
            restartOperator("between steps");
        }
        reconcile(faults);
        checkRunningPrimariesHoldAckedWrites();
    }

    private Instant now() {
        return T0.plus(STEP.multipliedBy(step));
    }

    private Copy copy(int ordinal) {
        if (copies[ordinal] == null) {
            copies[ordinal] = new Copy(ordinal);
            copies[ordinal].revision = templateRevision;
        }
        return copies[ordinal];
    }

    private Optional<Copy> copyOf(String pod) {
        for (Copy c : copies) {
            if (c != null && c.pod.equals(pod)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    // ---------------------------------------------------------------- the world

    private void worldMoves(boolean faults) {
        for (Copy c : copies) {
            if (c == null) {
                continue;
            }
            if (!c.podExists && c.ordinal < statefulSetReplicas && c.recreateAt <= step) {
                c.podExists = true;
                c.podUid++;
                c.nodeReachable = true;
                c.nodeBackAt = -1;
                c.revision = templateRevision;
                if (tracing) {
                    log("pod " + c.pod + " created");
                }
            }
            if (!c.nodeReachable && c.nodeBackAt >= 0 && c.nodeBackAt <= step) {
                nodeBack(c);
            }
        }
        if (rnd.nextBoolean()) {
            write();
        }
        for (Copy s : copies) {
            if (s != null && s.app == Copy.App.RUNNING && !s.primary && s.nodeReachable && rnd.nextBoolean()) {
                groupHead(s.cluster).filter(h -> History.holds(h, s.head)).ifPresent(h -> s.head = h);
            }
        }
    }

    /** A write goes to one cluster and is acknowledged once every reachable running primary of it applied it. */
    private void write() {
        List<Copy> primariesUp = new ArrayList<>();
        for (Copy c : copies) {
            if (c != null && c.runningPrimary() && c.nodeReachable) {
                primariesUp.add(c);
            }
        }
        if (primariesUp.isEmpty()) {
            return;
        }
        Copy target = primariesUp.get(rnd.nextInt(primariesUp.size()));
        History before = target.head;
        History written = History.append(before, ++nextWrite);
        for (Copy c : primariesUp) {
            if (c.cluster == target.cluster) {
                if (c.head != before) {
                    violate("model: primaries of cluster " + c.cluster + " diverged: " + c + " vs " + target);
                }
                c.head = written;
            }
        }
        if (!lossAccepted && !History.holds(written, lastAcked)) {
            violate("invariant 3: acknowledged write " + lastAcked.write + " lost, cluster " + target.cluster
                    + " acknowledged write " + written.write + " on a history without it");
        }
        lastAcked = written;
    }

    private Optional<History> groupHead(int cluster) {
        for (Copy c : copies) {
            if (c != null && c.runningPrimary() && c.nodeReachable && c.cluster == cluster) {
                return Optional.of(c.head);
            }
        }
        return Optional.empty();
    }

    /** A partitioned primary comes back: it resyncs with its cluster, or stops when its cluster is gone. */
    private void nodeBack(Copy c) {
        c.nodeReachable = true;
        c.nodeBackAt = -1;
        if (c.app == Copy.App.RUNNING && c.primary) {
            History clusterHead = null;
            for (Copy o : copies) {
                if (o != null && o != c && o.runningPrimary() && o.nodeReachable && o.cluster == c.cluster) {
                    clusterHead = o.head;
                }
            }
            if (clusterHead == null) {
                c.kill();
                if (tracing) {
                    log("node of " + c.pod + " back: its cluster is gone, the copy stops (non-primary component)");
                }
            } else if (History.holds(clusterHead, c.head)) {
                c.head = clusterHead;
                if (tracing) {
                    log("node of " + c.pod + " back: it resyncs with cluster " + c.cluster);
                }
            } else {
                violate("model: partitioned " + c + " is ahead of its cluster");
            }
        } else {
            if (tracing) {
                log("node of " + c.pod + " back");
            }
        }
    }

    private void injectFaults() {
        List<Copy> running = new ArrayList<>();
        List<Copy> pods = new ArrayList<>();
        for (Copy c : copies) {
            if (c != null && c.app == Copy.App.RUNNING) {
                running.add(c);
            }
            if (c != null && c.podExists) {
                pods.add(c);
            }
        }
        int dice = rnd.nextInt(1000);
        if (dice < 40 && !running.isEmpty()) {
            Copy c = running.get(rnd.nextInt(running.size()));
            c.kill();
            if (tracing) {
                log("FAULT crash " + c.pod);
            }
        } else if (dice < 60) {
            for (Copy c : copies) {
                if (c != null && c.app != Copy.App.STOPPED) {
                    c.kill();
                }
            }
            if (tracing) {
                log("FAULT lights-out: every copy stops");
            }
        } else if (dice < 70 && !running.isEmpty()) {
            Copy c = running.get(rnd.nextInt(running.size()));
            c.app = Copy.App.BROKEN;
            if (tracing) {
                log("FAULT " + c.pod + " breaks (status FAILED)");
            }
        } else if (dice < 90 && !pods.isEmpty()) {
            Copy c = pods.get(rnd.nextInt(pods.size()));
            deletePod(c);
            if (tracing) {
                log("FAULT pod " + c.pod + " deleted");
            }
        } else if (dice < 110 && !pods.isEmpty()) {
            Copy c = pods.get(rnd.nextInt(pods.size()));
            if (c.nodeReachable) {
                c.nodeReachable = false;
                c.nodeBackAt = step + 2 + rnd.nextInt(10);
                if (tracing) {
                    log("FAULT node of " + c.pod + " unreachable until step " + c.nodeBackAt);
                }
            }
        } else if (dice < 120) {
            for (Copy c : pods) {
                if (!c.nodeReachable) {
                    deletePod(c);
                    if (tracing) {
                        log("FAULT fencing: pod " + c.pod + " on the unreachable node is force-deleted");
                    }
                    break;
                }
            }
        } else if (dice < 130) {
            int wanted = Math.max(2, Math.min(7, replicas + (rnd.nextBoolean() ? 1 : -1) * (1 + rnd.nextInt(2))));
            if (tracing) {
                log("FAULT user scales replicas " + replicas + " -> " + wanted);
            }
            replicas = wanted;
        } else if (dice < 138) {
            templateRevision++;
            if (tracing) {
                log("FAULT pod template changed to revision " + templateRevision);
            }
        }
    }

    private void heal() {
        for (Copy c : copies) {
            if (c != null && !c.nodeReachable) {
                nodeBack(c);
            }
        }
        if (tracing) {
            log("faults stop");
        }
    }

    private void deletePod(Copy c) {
        c.podExists = false;
        c.kill();
        c.recreateAt = step + 1 + rnd.nextInt(2);
    }

    private void userReactsToRefusal(boolean faults) {
        if (lastDecision == null || (faults && rnd.nextInt(4) != 0)) {
            return;
        }
        String reason = lastDecision.assessment().reason();
        if (reason.equals("FewerReplicasThanLastRunning") || reason.equals("DepartingMemberHoldsNewestData")) {
            replicas = Math.max(replicas, Math.min(7, Math.max(persisted.lastRunningMembers(), statefulSetReplicas)));
            if (tracing) {
                log("USER restores replicas to " + replicas);
            }
        } else if (reason.equals("SeedRetriesExhausted")) {
            String pod = persisted.seed().orElseThrow().pod();
            forceAnnotation = Optional.of(pod + "");
            // A second force of the same pod must differ from the consumed one: the user removes and re-adds it.
            if (persisted.consumedForceSeed().equals(forceAnnotation)) {
                persisted = new RecordedState(persisted.epoch(), persisted.seed(), persisted.highWaterMark(),
                        persisted.lastRunningMembers(), persisted.failures(), Optional.empty(),
                        persisted.recoveryStartedAt());
            }
            if (tracing) {
                log("USER forces " + pod);
            }
        } else if (reason.equals("ForceSeedUnknownPod")) {
            forceAnnotation = Optional.of("db-0");
            if (tracing) {
                log("USER forces db-0");
            }
        } else if (reason.equals("BelowHighWaterMark")) {
            violate("invariant 3: every copy is below the high-water mark, so elected writes were lost");
        }
    }

    // ---------------------------------------------------------------- the operator

    private void restartOperator(String when) {
        statusSeen.clear();
        sequenceSeen.clear();
        inFlight.clear();
        lastStartOrStop.clear();
        podUidSeen.clear();
        generation++;
        orphanHooksEndBy = now().plus(STEP.multipliedBy(LONGEST_HOOK_STEPS));
        if (tracing) {
            log("FAULT operator restart " + when);
        }
    }

    private PlannerSpec spec() {
        return new PlannerSpec(replicas, primaries, policy, startPolicy, Duration.ofSeconds(60), 3, 3,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    private ClusterView view() {
        List<MemberView> members = new ArrayList<>();
        Instant now = now();
        for (int i = 0; i < Math.max(replicas, statefulSetReplicas); i++) {
            Copy c = copy(i);
            if (c.podExists && !Integer.valueOf(c.podUid).equals(podUidSeen.put(c.pod, c.podUid))
                    && podUidSeen.size() > 0) {
                // A new pod (or one this process never saw): what was observed on an older pod is void.
                statusSeen.remove(c.pod);
                sequenceSeen.remove(c.pod);
            }
            members.add(new MemberView(c.pod, i, c.podExists, c.podExists ? PodPhase.RUNNING : PodPhase.PENDING,
                    c.app == Copy.App.RUNNING, c.nodeReachable, c.revision == templateRevision,
                    Optional.ofNullable(statusSeen.get(c.pod)), Optional.ofNullable(sequenceSeen.get(c.pod)),
                    Optional.ofNullable(inFlight.get(c.pod)), Optional.ofNullable(lastStartOrStop.get(c.pod))));
        }
        return new ClusterView(spec(), statefulSetReplicas, members, persisted, forceAnnotation, now,
                orphanHooksEndBy);
    }

    private void reconcile(boolean faults) {
        ClusterView view = view();
        Decision decision = planner.decide(view);
        lastDecision = decision;
        if (tracing) {
            log("decide " + decision.actions() + " :: " + decision.assessment().reason());
        }
        boolean persistFirst = !mutationRunActionsBeforePersisting;
        if (persistFirst) {
            if (faults && rnd.nextInt(20) == 0) {
                if (tracing) {
                    log("FAULT status write conflict: nothing persisted, nothing run");
                }
                return;
            }
            persisted = decision.record();
        }
        for (Action action : decision.actions()) {
            if (faults && rnd.nextInt(40) == 0) {
                restartOperator("before " + action);
                return;
            }
            execute(action, view, decision, faults);
        }
        if (!persistFirst) {
            if (faults && rnd.nextInt(20) == 0) {
                if (tracing) {
                    log("FAULT status write conflict: nothing persisted");
                }
                return;
            }
            persisted = decision.record();
        }
    }

    private void execute(Action action, ClusterView view, Decision decision, boolean faults) {
        Instant now = now();
        if (action instanceof Action.CheckStatus a) {
            for (String pod : a.pods()) {
                statusSeen.put(pod, new Observed<>(statusHook(copyOf(pod).orElseThrow(), faults), now));
            }
        } else if (action instanceof Action.CollectSequences a) {
            for (String pod : a.pods()) {
                sequenceSeen.put(pod, new Observed<>(sequenceHook(copyOf(pod).orElseThrow(), faults), now));
            }
        } else if (action instanceof Action.Seed a) {
            checkSeed(a, view, decision);
            start(copyOf(a.pod()).orElseThrow(), HookKind.SEED, List.of(), faults);
        } else if (action instanceof Action.StartPrimaries a) {
            for (String pod : a.pods()) {
                start(copyOf(pod).orElseThrow(), HookKind.PRIMARY, a.peers(), faults);
            }
        } else if (action instanceof Action.StartSecondaries a) {
            for (String pod : a.pods()) {
                start(copyOf(pod).orElseThrow(), HookKind.SECONDARY, a.peers(), faults);
            }
        } else if (action instanceof Action.Stop a) {
            stop(copyOf(a.pod()).orElseThrow(), faults);
        } else if (action instanceof Action.RestartMember a) {
            stop(copyOf(a.pod()).orElseThrow(), faults);
        } else if (action instanceof Action.DeletePod a) {
            Copy c = copyOf(a.pod()).orElseThrow();
            if (c.podExists) {
                deletePod(c);
            }
            lastStartOrStop.put(a.pod(), now);
        } else if (action instanceof Action.ResizeStatefulSet a) {
            resize(a.replicas());
        }
    }

    private boolean canExec(Copy c) {
        return c.podExists && c.nodeReachable;
    }

    private StatusReport statusHook(Copy c, boolean faults) {
        if (!canExec(c) || (faults && rnd.nextInt(50) == 0)) {
            return StatusReport.FAILED;
        }
        return switch (c.app) {
            case RUNNING -> c.primary ? StatusReport.RUNNING_PRIMARY : StatusReport.RUNNING_SECONDARY;
            case STOPPED, STARTING -> StatusReport.NOT_RUNNING;
            case BROKEN -> StatusReport.FAILED;
        };
    }

    private SequenceResult sequenceHook(Copy c, boolean faults) {
        if (!canExec(c)) {
            return new SequenceResult.Unknown("exec failed: the pod is gone or its node is unreachable");
        }
        if (faults) {
            int dice = rnd.nextInt(100);
            if (dice < 4) {
                return new SequenceResult.Unknown("the sequence hook timed out after 30s");
            }
            if (dice < 7) {
                return new SequenceResult.Unknown("the sequence hook printed 'wsrep_recover: ???' instead of a number");
            }
        }
        if (c.app == Copy.App.STARTING) {
            return new SequenceResult.Unknown("the copy is starting and its data directory is locked");
        }
        return new SequenceResult.Known(History.depth(c.head));
    }

    private void start(Copy c, HookKind kind, List<String> peers, boolean faults) {
        Instant now = now();
        int dice = faults ? rnd.nextInt(100) : 99;
        boolean failsOutright = dice < 6;
        boolean timesOut = dice >= 6 && dice < 11;
        boolean takesEffect = !failsOutright && (!timesOut || rnd.nextBoolean());
        if (!canExec(c) || c.app != Copy.App.STOPPED) {
            lastStartOrStop.put(c.pod, now);
            if (tracing) {
                log(kind + " on " + c.pod + " fails: " + c);
            }
            return;
        }
        int duration = rnd.nextInt(10) < 6 ? 0 : 1 + rnd.nextInt(LONGEST_HOOK_STEPS);
        if (duration == 0) {
            if (takesEffect) {
                takeEffect(c, kind, peers);
            }
            lastStartOrStop.put(c.pod, now);
            return;
        }
        c.app = Copy.App.STARTING;
        inFlight.put(c.pod, kind);
        pending.add(new PendingStart(step + duration, c, kind, peers, c.incarnation, generation, takesEffect));
    }

    private void completeStarts() {
        Iterator<PendingStart> it = pending.iterator();
        while (it.hasNext()) {
            PendingStart p = it.next();
            if (p.due() > step) {
                continue;
            }
            it.remove();
            Copy c = p.copy();
            if (c.incarnation == p.incarnation() && c.app == Copy.App.STARTING) {
                c.app = Copy.App.STOPPED;
                if (p.takesEffect()) {
                    takeEffect(c, p.kind(), p.peers());
                } else {
                    if (tracing) {
                        log(p.kind() + " on " + c.pod + " ended without effect");
                    }
                }
            }
            if (p.generation() == generation) {
                inFlight.remove(c.pod);
                lastStartOrStop.put(c.pod, now());
            }
        }
    }

    private void takeEffect(Copy c, HookKind kind, List<String> peers) {
        if (kind == HookKind.SEED) {
            c.app = Copy.App.RUNNING;
            c.primary = true;
            c.cluster = ++nextCluster;
            if (tracing) {
                log("SEED took effect: " + c.pod + " bootstraps cluster " + c.cluster + " at sequence "
                        + History.depth(c.head));
            }
            return;
        }
        Optional<Copy> peer = peers.stream().map(this::copyOf).flatMap(Optional::stream)
                .filter(p -> p.runningPrimary() && p.nodeReachable).findFirst();
        if (peer.isEmpty()) {
            if (tracing) {
                log(kind + " on " + c.pod + " fails: no peer among " + peers + " runs");
            }
            return;
        }
        History cluster = peer.get().head;
        if (History.holds(cluster, c.head)) {
            c.head = cluster;
        } else if (History.holds(c.head, cluster)) {
            if (tracing) {
                log(kind + " on " + c.pod + " refused: the copy is ahead of cluster " + peer.get().cluster);
            }
            return;
        } else {
            if (tracing) {
                log("SST: " + c.pod + " diverged from cluster " + peer.get().cluster + " and loses its own writes");
            }
            c.head = cluster;
        }
        c.app = Copy.App.RUNNING;
        c.primary = kind == HookKind.PRIMARY;
        c.cluster = peer.get().cluster;
        if (tracing) {
            log(kind + " took effect: " + c.pod + " joins cluster " + c.cluster);
        }
    }

    private void stop(Copy c, boolean faults) {
        int dice = faults ? rnd.nextInt(100) : 99;
        boolean takesEffect = dice >= 5 && (dice >= 10 || rnd.nextBoolean());
        if (canExec(c) && takesEffect) {
            c.kill();
        }
        lastStartOrStop.put(c.pod, now());
    }

    private void resize(int target) {
        for (Copy c : copies) {
            if (c != null && c.ordinal >= target && c.podExists && c.app != Copy.App.STOPPED) {
                violate("invariant 6: the StatefulSet shrank to " + target + " while " + c + " was not stopped");
            }
        }
        statefulSetReplicas = target;
        for (Copy c : copies) {
            if (c != null && c.ordinal >= target && c.podExists) {
                c.podExists = false;
                c.kill();
            }
        }
        for (int i = 0; i < target; i++) {
            Copy c = copy(i);
            if (!c.podExists && c.recreateAt < 0) {
                c.recreateAt = step + 1;
            }
        }
        for (int i = 0; i < target; i++) {
            copy(i).recreateAt = Math.min(copy(i).recreateAt, step + 1);
        }
    }

    // ---------------------------------------------------------------- the invariants

    private void checkSeed(Action.Seed seed, ClusterView view, Decision decision) {
        String previous = seedPodByEpoch.putIfAbsent(seed.epoch(), seed.pod());
        if (previous != null && !previous.equals(seed.pod())) {
            violate("invariant 1: two seeds in epoch " + seed.epoch() + ": " + previous + " and " + seed.pod());
        }
        if (seed.epoch() < highestSeedEpoch) {
            violate("invariant 1: a seed in epoch " + seed.epoch() + " after one in epoch " + highestSeedEpoch);
        }
        // The election is checked where it happened: in the decision that recorded the first attempt.
        boolean firstAttempt = decision.record().seed().map(r -> r.attempts() == 1).orElse(false);
        highestSeedEpoch = Math.max(highestSeedEpoch, seed.epoch());
        for (Copy c : copies) {
            if (c != null && c.runningPrimary() && !c.pod.equals(seed.pod())) {
                violate("invariant 4: seed " + seed.pod() + " while " + c + " runs as primary");
            }
        }
        Copy chosen = copyOf(seed.pod()).orElseThrow();
        if (seed.forced()) {
            if (tracing) {
                log("forced seed: from now on a loss of acknowledged writes is accepted");
            }
            lossAccepted = true;
            return;
        }
        if (!firstAttempt) {
            return;
        }
        if (History.depth(chosen.head) != seed.sequence()) {
            violate("invariant 2: the seed " + seed.pod() + " claims sequence " + seed.sequence() + " but holds "
                    + History.depth(chosen.head));
        }
        boolean everyoneReported = true;
        Copy expected = null;
        for (int i = 0; i < Math.max(replicas, statefulSetReplicas); i++) {
            Copy c = copy(i);
            Observed<SequenceResult> seen = sequenceSeen.get(c.pod);
            Instant recoveryStart = decision.record().recoveryStartedAt().orElse(Instant.MIN);
            boolean reported = c.podExists && c.nodeReachable && seen != null
                    && seen.value() instanceof SequenceResult.Known && !seen.at().isBefore(recoveryStart)
                    && (!lastStartOrStop.containsKey(c.pod) || seen.at().isAfter(lastStartOrStop.get(c.pod)));
            everyoneReported &= reported;
            if (policy == MissingMembersPolicy.WAIT || reported) {
                if (expected == null || History.depth(c.head) > History.depth(expected.head)) {
                    expected = c;
                }
            }
        }
        if (expected != chosen) {
            violate("invariant 2: seed " + chosen + " but the highest sequence, lowest ordinal first, is " + expected);
        }
        if (!everyoneReported) {
            if (tracing) {
                log("quorum seed without every copy: from now on a loss of acknowledged writes is accepted");
            }
            lossAccepted = true;
        }
    }

    private void checkRunningPrimariesHoldAckedWrites() {
        for (Copy c : copies) {
            if (!lossAccepted && c != null && c.runningPrimary() && c.nodeReachable
                    && !History.holds(c.head, lastAcked)) {
                violate("invariant 3: acknowledged write " + lastAcked.write + " is missing on running primary " + c);
            }
        }
    }

    private boolean converged() {
        boolean plannerAtRest = lastDecision.actions().stream()
                .allMatch(a -> a instanceof Action.Steady || a instanceof Action.CheckStatus);
        if (statefulSetReplicas != replicas || !plannerAtRest) {
            return false;
        }
        int primariesUp = 0;
        int cluster = -1;
        for (Copy c : copies) {
            if (c == null) {
                continue;
            }
            boolean wanted = c.ordinal < replicas;
            if (wanted != (c.app == Copy.App.RUNNING) || (wanted && c.revision != templateRevision)) {
                return false;
            }
            if (wanted) {
                if (cluster >= 0 && c.cluster != cluster) {
                    return false;
                }
                cluster = c.cluster;
                primariesUp += c.primary ? 1 : 0;
            }
        }
        return primariesUp == Math.max(1, Math.min(primaries, replicas));
    }

    private void violate(String what) {
        if (violation == null) {
            violation = what + " (step " + step + ")";
            if (tracing) {
                log("VIOLATION " + violation);
            }
        }
    }

    private void log(String line) {
        if (tracing) {
            StringBuilder world = new StringBuilder();
            for (Copy c : copies) {
                if (c != null) {
                    world.append(' ').append(c);
                }
            }
            trace.add("step " + step + ": " + line + " |" + world + " sts=" + statefulSetReplicas + " rec=" + persisted);
        }
    }
}
