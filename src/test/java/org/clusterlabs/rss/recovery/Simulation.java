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

    /** A start or stop hook's timeout, and the exec's late-start budget beyond it, in steps. */
    static final int HOOK_TIMEOUT_STEPS = 2;
    static final int LATE_START_BUDGET_STEPS = 3;

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
    private final List<RunningHook> running = new ArrayList<>();
    private final java.util.Set<String> launchedSeedAttempts = new java.util.HashSet<>();

    // the operator: persisted record and annotation survive restarts, the rest is memory
    private RecordedState persisted = RecordedState.initial();
    private int persistedVersion;
    private Optional<Instant> persistedStartsAt = Optional.empty();
    private Optional<String> forceAnnotation = Optional.empty();
    private HookLedger ledger = new HookLedger();
    private final ControlPass pass = new ControlPass();
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

    /**
     * A hook command running in a pod. Its effect on the app happens at {@code effectStep}; the operator hears of
     * its end at {@code endStep} (completed, or abandoned when it timed out), through the ledger that started it.
     */
    record RunningHook(HookLedger ledger, HookLedger.Ticket ticket, Copy copy, HookKind kind, List<String> peers,
            int incarnation, int podUid, int effectStep, boolean takesEffect, int endStep, boolean abandoned,
            Optional<StatusReport> status, Optional<SequenceResult> sequence) {
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
        runHooks();
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
                c.label = Optional.empty();
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
        ledger = new HookLedger();
        generation++;
        orphanHooksEndBy = now().plus(STEP.multipliedBy(HOOK_TIMEOUT_STEPS + LATE_START_BUDGET_STEPS));
        if (tracing) {
            log("FAULT operator restart " + when);
        }
    }

    private PlannerSpec spec() {
        return new PlannerSpec(replicas, primaries, policy, startPolicy, Duration.ofSeconds(60), 3, 3,
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    /** As production's view: hooks that another writer recorded (not this process) count as orphans. */
    private ClusterView view() {
        List<MemberView> members = new ArrayList<>();
        Instant now = now();
        for (int i = 0; i < Math.max(replicas, statefulSetReplicas); i++) {
            Copy c = copy(i);
            if (c.podExists) {
                ledger.podSeen(c.pod, Integer.toString(c.podUid));
            }
            HookLedger.Knowledge k = ledger.knowledge(c.pod);
            members.add(new MemberView(c.pod, i, c.podExists, c.podExists ? PodPhase.RUNNING : PodPhase.PENDING,
                    c.app == Copy.App.RUNNING, c.nodeReachable, c.revision == templateRevision, k.status(),
                    k.sequence(), k.inFlight(), k.lastStartOrStopAt(), k.hooksMayRunUntil(),
                    c.podExists ? c.label : Optional.empty(), k.unknownSequenceSince()));
        }
        Instant orphans = ledger.orphanHooksEndBy(() -> orphanHooksEndBy, persistedStartsAt,
                STEP.multipliedBy(HOOK_TIMEOUT_STEPS + LATE_START_BUDGET_STEPS));
        return new ClusterView(spec(), statefulSetReplicas, members, persisted, forceAnnotation, now, orphans);
    }

    private void reconcile(boolean faults) {
        ClusterView view = view();
        int observedVersion = persistedVersion;
        SimActuator actuator = new SimActuator(view, faults);
        ControlPass.Outcome outcome = pass.run(view, (record, startsAt) -> {
            if (faults && rnd.nextInt(20) == 0) {
                persistedVersion++;
                if (tracing) {
                    log("FAULT another writer changed the resource: the record write conflicts");
                }
            } else if (faults && rnd.nextInt(60) == 0) {
                twinActsFirst(record, startsAt, view);
            }
            if (persistedVersion != observedVersion) {
                return false;
            }
            persisted = record;
            persistedVersion++;
            startsAt.ifPresent(at -> {
                persistedStartsAt = Optional.of(at);
                ledger.startsRecorded(at);
            });
            return true;
        }, actuator);
        lastDecision = outcome.decision();
        if (tracing) {
            log("decide " + outcome.decision().actions() + " :: " + outcome.decision().assessment().reason() + " -> "
                    + outcome.getClass().getSimpleName());
        }
    }

    /**
     * A second operator process (a leader that has not noticed it lost its Lease) planned from the same state, wrote
     * the same record first and started the same hooks. Its hooks run in the world, unknown to this process.
     */
    private void twinActsFirst(RecordedState record, Optional<Instant> startsAt, ClusterView view) {
        Decision twin = new Planner().decide(view);
        persisted = record;
        persistedVersion++;
        startsAt.ifPresent(at -> persistedStartsAt = Optional.of(at));
        if (tracing) {
            log("FAULT a twin operator recorded and ran " + twin.actions() + " first");
        }
        HookLedger twinLedger = new HookLedger();
        for (Action a : twin.actions()) {
            if (a instanceof Action.Seed seed) {
                launchedSeed(seed);
            }
            for (String pod : a.hookTargets()) {
                Copy c = copyOf(pod).orElseThrow();
                if (c.podExists) {
                    twinLedger.podSeen(pod, Integer.toString(c.podUid));
                }
                HookKind kind = a.hook().orElseThrow();
                twinLedger.begin(pod, kind, now()).ifPresent(t -> launch(twinLedger, t, c, kind,
                        a.peers(), true));
            }
        }
    }

    /** Runs actions on the simulated world, through the same hook ledger production uses. */
    private final class SimActuator implements ControlPass.Actuator {
        private final ClusterView view;
        private final boolean faults;
        private final int generationAtStart = generation;

        SimActuator(ClusterView view, boolean faults) {
            this.view = view;
            this.faults = faults;
        }

        @Override
        public Optional<String> refusal(Action action) {
            for (String pod : action.hookTargets()) {
                if (ledger.busy(pod)) {
                    return Optional.of(action + ": a hook already runs on " + pod);
                }
            }
            return Optional.empty();
        }

        @Override
        public void run(Action action) {
            if (generation != generationAtStart) {
                return; // the process died in the middle of this pass
            }
            if (faults && rnd.nextInt(40) == 0) {
                restartOperator("before " + action);
                return;
            }
            if (action instanceof Action.Label a) {
                copyOf(a.pod()).filter(c -> c.podExists).ifPresent(c -> c.label = a.role());
            } else if (action instanceof Action.DeletePod a) {
                Copy c = copyOf(a.pod()).orElseThrow();
                if (c.podExists) {
                    deletePod(c);
                }
                ledger.podDeleted(a.pod(), now());
            } else if (action instanceof Action.ResizeStatefulSet a) {
                resize(a.replicas());
            } else if (action instanceof Action.Seed a) {
                checkSeed(a, view, lastDecisionOf(view));
                launchedSeed(a);
                launchAll(action);
            } else {
                launchAll(action);
            }
        }

        private void launchAll(Action action) {
            Optional<HookKind> kind = action.hook();
            if (kind.isEmpty()) {
                return;
            }
            for (String pod : action.hookTargets()) {
                Copy c = copyOf(pod).orElseThrow();
                if (kind.get() == HookKind.STOP && c.podExists && c.label.isPresent()) {
                    violate("labels: the stop hook ran on " + c + " while it was still labelled " + c.label.get());
                }
                Optional<HookLedger.Ticket> ticket = ledger.begin(pod, kind.get(), now());
                if (ticket.isEmpty()) {
                    violate("invariant 8: the planned " + action + " did not run on " + pod
                            + ": a hook already runs there");
                    continue;
                }
                launch(ledger, ticket.get(), c, kind.get(), action.peers(), faults);
            }
        }
    }

    private Decision lastDecisionOf(ClusterView view) {
        return new Planner().decide(view);
    }

    /** Invariant 1 in its strictest form: one attempt of one epoch's seed is started once, by one process. */
    private void launchedSeed(Action.Seed seed) {
        int attempt = persisted.seed().filter(r -> r.epoch() == seed.epoch()).map(SeedRecord::attempts).orElse(0);
        if (!launchedSeedAttempts.add(seed.epoch() + "/" + attempt)) {
            violate("invariant 1: attempt " + attempt + " of the seed of epoch " + seed.epoch() + " on " + seed.pod()
                    + " was started twice");
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

    /**
     * Starts a hook command in the world. A status or sequence hook reads the copy now and answers now or two steps
     * later (so it is in flight when the next step plans). A start hook runs for some steps; a stop acts at once. Either may time out: the operator then
     * stops waiting after {@link #HOOK_TIMEOUT_STEPS} while the command may still act up to
     * {@link #LATE_START_BUDGET_STEPS} later, as a real kubelet lets it.
     */
    private void launch(HookLedger owner, HookLedger.Ticket ticket, Copy c, HookKind kind, List<String> peers,
            boolean faults) {
        if (kind == HookKind.STATUS || kind == HookKind.SEQUENCE) {
            // a slow answer is still awaited during the next step's decision
            int end = step + (faults && rnd.nextInt(10) < 3 ? 2 : 0);
            RunningHook h = new RunningHook(owner, ticket, c, kind, peers, c.incarnation, c.podUid, end, false, end,
                    false, kind == HookKind.STATUS ? Optional.of(statusHook(c, faults)) : Optional.empty(),
                    kind == HookKind.SEQUENCE ? Optional.of(sequenceHook(c, faults)) : Optional.empty());
            running.add(h);
            if (end == step) {
                end(h);
            }
            return;
        }
        if (!canExec(c)) {
            owner.notStarted(ticket, now(), "pod_not_found", kind + " on " + c.pod + ": the pod is unreachable");
            return;
        }
        for (RunningHook h : running) {
            if (h.copy() == c && HookLedger.changesTheApp(h.kind()) && h.incarnation() == c.incarnation
                    && h.podUid() == c.podUid && h.effectStep() >= step) {
                violate("invariant 7: a " + kind + " hook started on " + c + " while the " + h.kind()
                        + " hook started at " + h.ticket().startedAt() + " may still run there");
            }
        }
        int dice = faults ? rnd.nextInt(100) : 99;
        boolean failsOutright = dice < 6;
        boolean timesOut = dice >= 6 && dice < 11;
        boolean takesEffect = !failsOutright && (!timesOut || rnd.nextBoolean());
        if (kind == HookKind.STOP) {
            if (canExec(c) && takesEffect) {
                c.kill();
            }
            RunningHook h = new RunningHook(owner, ticket, c, kind, peers, c.incarnation, c.podUid, step, false,
                    timesOut ? step + HOOK_TIMEOUT_STEPS : step, timesOut, Optional.empty(), Optional.empty());
            running.add(h);
            if (!timesOut) {
                end(h);
            }
            return;
        }
        if (c.app != Copy.App.STOPPED) {
            if (tracing) {
                log(kind + " on " + c.pod + " fails: " + c);
            }
            owner.completed(ticket, now(), Optional.empty(), Optional.empty(), "exited", kind + " failed");
            return;
        }
        int effect;
        int end;
        if (timesOut) {
            effect = step + 1 + rnd.nextInt(HOOK_TIMEOUT_STEPS + LATE_START_BUDGET_STEPS);
            end = step + HOOK_TIMEOUT_STEPS;
        } else {
            effect = step + (rnd.nextInt(10) < 6 ? 0 : 1 + rnd.nextInt(HOOK_TIMEOUT_STEPS));
            end = effect;
        }
        c.app = Copy.App.STARTING;
        RunningHook h = new RunningHook(owner, ticket, c, kind, peers, c.incarnation, c.podUid, effect, takesEffect,
                end, timesOut, Optional.empty(), Optional.empty());
        running.add(h);
        if (effect == step) {
            act(h);
        }
        if (end == step) {
            end(h);
        }
    }

    /** Each step: commands act on the world, and the operator hears of the ends it waits for. */
    private void runHooks() {
        for (RunningHook h : List.copyOf(running)) {
            if (h.effectStep() == step) {
                act(h);
            }
            if (h.endStep() == step) {
                end(h);
            }
        }
        running.removeIf(h -> h.effectStep() <= step && h.endStep() <= step);
    }

    private void act(RunningHook h) {
        Copy c = h.copy();
        if (!h.kind().starts() || c.incarnation != h.incarnation() || c.app != Copy.App.STARTING) {
            return;
        }
        c.app = Copy.App.STOPPED;
        if (h.takesEffect()) {
            takeEffect(c, h.kind(), h.peers());
        } else if (tracing) {
            log(h.kind() + " on " + c.pod + " ended without effect");
        }
    }

    private void end(RunningHook h) {
        Instant now = now();
        if (h.abandoned()) {
            Instant bound = h.ticket().startedAt().plus(STEP.multipliedBy(HOOK_TIMEOUT_STEPS
                    + LATE_START_BUDGET_STEPS));
            h.ledger().abandoned(h.ticket(), now, bound, "timed_out", h.kind() + " timed out");
            if (tracing) {
                log(h.kind() + " on " + h.copy().pod + " timed out; it may still act until " + bound);
            }
        } else {
            h.ledger().completed(h.ticket(), now, h.status(), h.sequence(), "succeeded", h.kind() + " ended");
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
            HookLedger.Knowledge known = ledger.knowledge(c.pod);
            Observed<SequenceResult> seen = known.sequence().orElse(null);
            Instant recoveryStart = decision.record().recoveryStartedAt().orElse(Instant.MIN);
            boolean reported = c.podExists && c.nodeReachable && seen != null
                    && seen.value() instanceof SequenceResult.Known && !seen.at().isBefore(recoveryStart)
                    && known.lastStartOrStopAt().map(seen.at()::isAfter).orElse(true);
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
