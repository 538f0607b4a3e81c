package org.clusterlabs.rss.recovery;

import static org.clusterlabs.rss.recovery.StatusReport.NOT_RUNNING;
import static org.clusterlabs.rss.recovery.StatusReport.RUNNING_PRIMARY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Tier 1: the hook lifecycle (HookLedger), the pass's conflict and refusal policy (ControlPass), role labels and
 * terminating pods, each against the planner as production and the simulation run it.
 */
class HookLifecycleTest {

    private static final Instant T = Scenario.NOW;

    // ---------------------------------------------------------------- HookLedger

    @Test
    void aCopyRunsOneHookAtATime() {
        HookLedger ledger = new HookLedger();
        HookLedger.Ticket probe = ledger.begin("db-0", HookKind.STATUS, T).orElseThrow();
        assertEquals(Optional.empty(), ledger.begin("db-0", HookKind.SEED, T));
        assertTrue(ledger.busy("db-0"));
        ledger.completed(probe, T.plusSeconds(1), Optional.of(NOT_RUNNING), Optional.empty(), "exited", "");
        assertTrue(ledger.begin("db-0", HookKind.SEED, T.plusSeconds(2)).isPresent());
    }

    @Test
    void anAnswerIsDatedByItsHooksStart() {
        HookLedger ledger = new HookLedger();
        HookLedger.Ticket probe = ledger.begin("db-0", HookKind.STATUS, T).orElseThrow();
        ledger.completed(probe, T.plusSeconds(9), Optional.of(NOT_RUNNING), Optional.empty(), "exited", "");
        assertEquals(T, ledger.knowledge("db-0").status().orElseThrow().at());
    }

    @Test
    void aTimedOutStartHookLeavesTheCopyUncertainNotFree() {
        HookLedger ledger = new HookLedger();
        HookLedger.Ticket seed = ledger.begin("db-0", HookKind.SEED, T).orElseThrow();
        Instant bound = T.plusSeconds(40);
        ledger.abandoned(seed, T.plusSeconds(30), bound, "timed_out", "seed timed out");
        HookLedger.Knowledge k = ledger.knowledge("db-0");
        assertEquals(bound, k.hooksMayRunUntil());
        assertEquals(Optional.of(T.plusSeconds(30)), k.lastStartOrStopAt());
        assertFalse(ledger.busy("db-0"), "a status check must be able to run");
    }

    @Test
    void aTimedOutStatusHookChangesNothingButItsAnswer() {
        HookLedger ledger = new HookLedger();
        HookLedger.Ticket probe = ledger.begin("db-0", HookKind.STATUS, T).orElseThrow();
        ledger.abandoned(probe, T.plusSeconds(10), T.plusSeconds(20), "timed_out", "status timed out");
        assertEquals(Instant.MIN, ledger.knowledge("db-0").hooksMayRunUntil());
    }

    @Test
    void aHookThatStartedLateExtendsTheUncertainty() {
        HookLedger ledger = new HookLedger();
        ledger.lateStart("db-0", T.plusSeconds(100), T.plusSeconds(50));
        assertEquals(T.plusSeconds(100), ledger.knowledge("db-0").hooksMayRunUntil());
    }

    @Test
    void anAnswerAboutAReplacedPodIsNotKept() {
        HookLedger ledger = new HookLedger();
        ledger.podSeen("db-0", "uid-1");
        HookLedger.Ticket probe = ledger.begin("db-0", HookKind.STATUS, T).orElseThrow();
        ledger.podSeen("db-0", "uid-2");
        ledger.completed(probe, T.plusSeconds(1), Optional.of(RUNNING_PRIMARY), Optional.empty(), "exited", "");
        assertEquals(Optional.empty(), ledger.knowledge("db-0").status());
        assertFalse(ledger.busy("db-0"));
    }

    @Test
    void aReplacedPodKeepsTheBoundOfAHookThatMayStillRunOnItsVolume() {
        HookLedger ledger = new HookLedger();
        ledger.podSeen("db-0", "uid-1");
        HookLedger.Ticket seed = ledger.begin("db-0", HookKind.SEED, T).orElseThrow();
        ledger.abandoned(seed, T.plusSeconds(30), T.plusSeconds(40), "timed_out", "");
        ledger.podSeen("db-0", "uid-2");
        assertEquals(T.plusSeconds(40), ledger.knowledge("db-0").hooksMayRunUntil());
    }

    // ---------------------------------------------------------------- the planner with an uncertain copy

    @Test
    void anUncertainCopyIsNeitherStoppedNorStartableUntilAStatusCheckAfterItsBound() {
        Instant bound = T.plusSeconds(30);
        Decision before = Scenario.lightsOut(5L, 9L, 3L)
                .member(1, m -> m.hooksMayRunUntil = bound).decide();
        assertTrue(before.seed().isEmpty(), "no seed while the uncertain copy may still be started: " + before);
        assertTrue(before.assessment().message().contains("uncertain"), before.assessment().message());

        Decision after = Scenario.lightsOut(5L, 9L, 3L).with(s -> s.now = bound.plusSeconds(5))
                .member(1, m -> m.hooksMayRunUntil = bound).decide();
        assertTrue(after.seed().isEmpty(), "a status read before the bound proves nothing: " + after);
        assertTrue(after.actionsOf(Action.CheckStatus.class).get(0).pods().contains("db-1"), after.toString());
    }

    // ---------------------------------------------------------------- no silent veto

    @Test
    void theWinnerBeingProbedIsNotSeededUntilItsProbeEnds() {
        Decision d = Scenario.lightsOut(5L, 9L, 3L).member(1, m -> m.hook = Optional.of(HookKind.STATUS))
                .decide();
        assertTrue(d.seed().isEmpty(), d.toString());
        assertEquals("WaitingForSeedCandidate", d.assessment().reason());
    }

    @Test
    void aPassThatCannotRunAnActionRecordsNothingAndRunsNothing() {
        ClusterView view = Scenario.lightsOut(5L, 9L, 3L).view();
        List<Action> ran = new ArrayList<>();
        List<RecordedState> written = new ArrayList<>();
        ControlPass.Outcome outcome = new ControlPass().run(view, (record, at) -> written.add(record),
                actuator(a -> a instanceof Action.Seed ? Optional.of("busy") : Optional.empty(), ran));
        assertTrue(outcome instanceof ControlPass.Outcome.Refused, outcome.toString());
        assertEquals(List.of(), written);
        assertEquals(List.of(), ran);
    }

    @Test
    void aConflictOnTheRecordRunsNothing() {
        ClusterView view = Scenario.lightsOut(5L, 9L, 3L).view();
        List<Action> ran = new ArrayList<>();
        ControlPass.Outcome outcome = new ControlPass().run(view, (record, at) -> false,
                actuator(a -> Optional.empty(), ran));
        assertTrue(outcome instanceof ControlPass.Outcome.Conflict, outcome.toString());
        assertTrue(outcome.decision().seed().isPresent());
        assertEquals(List.of(), ran);
    }

    @Test
    void theRecordIsWrittenBeforeTheSeedRunsWithTheTimeOfTheStart() {
        ClusterView view = Scenario.lightsOut(5L, 9L, 3L).view();
        List<String> order = new ArrayList<>();
        new ControlPass().run(view, (record, at) -> {
            order.add("record seed=" + record.seed().map(SeedRecord::pod).orElse("-") + " at=" + at.orElseThrow());
            return true;
        }, actuator(a -> Optional.empty(), new ArrayList<>() {
            @Override
            public boolean add(Action a) {
                order.add("run " + a.getClass().getSimpleName());
                return true;
            }
        }));
        assertEquals("record seed=db-1 at=" + view.now(), order.get(0));
        assertTrue(order.contains("run Seed"), order.toString());
    }

    private static ControlPass.Actuator actuator(java.util.function.Function<Action, Optional<String>> refusal,
            List<Action> ran) {
        return new ControlPass.Actuator() {
            @Override
            public Optional<String> refusal(Action action) {
                return refusal.apply(action);
            }

            @Override
            public void run(Action action) {
                ran.add(action);
            }
        };
    }

    // ---------------------------------------------------------------- terminating pods and peers

    @Test
    void aTerminatingPodIsMaybeRunningNeverStoppedAndNeverSeeded() {
        Decision d = Scenario.lightsOut(5L, 9L, 3L).member(1, m -> m.phase = PodPhase.TERMINATING).decide();
        assertTrue(d.seed().isEmpty(), d.toString());
        assertTrue(d.assessment().message().contains("terminating"), d.assessment().message());
    }

    @Test
    void aTerminatingPrimaryIsNeverAPeer() {
        Decision d = Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, NOT_RUNNING)
                .member(0, m -> m.phase = PodPhase.TERMINATING).decide();
        d.actionsOf(Action.StartPrimaries.class).forEach(a -> assertFalse(a.peers().contains("db-0"), a.toString()));
        assertEquals(List.of(new Action.Label("db-0", Optional.empty())), d.actionsOf(Action.Label.class));
    }

    // ---------------------------------------------------------------- role labels

    @Test
    void withoutAFreshStatusLabelsStayAsTheyAre() {
        Decision d = Scenario.of(null, null, null)
                .member(0, m -> m.label = Optional.of(Role.PRIMARY))
                .member(1, m -> m.label = Optional.of(Role.PRIMARY)).decide();
        assertEquals(List.of(), d.actionsOf(Action.Label.class), "an operator restart strips no label");
    }

    @Test
    void theLabelGoesBeforeTheStopHookRuns() {
        Decision d = Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY)
                .with(s -> s.replicas = 3).decide();
        int label = d.actions().indexOf(new Action.Label("db-3", Optional.empty()));
        int stop = d.actions().stream().filter(a -> a instanceof Action.Stop s && s.pod().equals("db-3"))
                .findFirst().map(d.actions()::indexOf).orElse(-1);
        assertTrue(label >= 0 && stop > label, d.actions().toString());
    }

    @Test
    void aFreshStatusSetsTheLabel() {
        Decision d = Scenario.of(RUNNING_PRIMARY, NOT_RUNNING).member(0, m -> m.label = Optional.empty())
                .member(1, m -> m.label = Optional.of(Role.PRIMARY)).decide();
        int set = d.actions().indexOf(new Action.Label("db-0", Optional.of(Role.PRIMARY)));
        int removed = d.actions().indexOf(new Action.Label("db-1", Optional.empty()));
        assertTrue(set >= 0 && removed > set, "a copy joins the client Service before another leaves: " + d);
    }

    @Test
    void inAStatusRoundTheChecksTheDecisionWaitsForAreAskedFirst() {
        // db-2 has no status yet (the decision waits for it); db-0 and db-1 are only due within half a period
        Instant dueSoon = Scenario.NOW.minusSeconds(20);
        Decision d = Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, null)
                .member(0, m -> m.status = Optional.of(new Observed<>(RUNNING_PRIMARY, dueSoon)))
                .member(1, m -> m.status = Optional.of(new Observed<>(RUNNING_PRIMARY, dueSoon))).decide();
        assertEquals(List.of("db-2", "db-0", "db-1"), d.actionsOf(Action.CheckStatus.class).get(0).pods(),
                d.toString());
    }

    @Test
    void aLabelThatIsOnlySetComesAfterTheHooksItMustNotDelay() {
        Decision d = Scenario.of(RUNNING_PRIMARY, NOT_RUNNING).member(0, m -> m.label = Optional.empty()).decide();
        int label = d.actions().indexOf(new Action.Label("db-0", Optional.of(Role.PRIMARY)));
        int start = d.actions().stream().filter(Action.StartPrimaries.class::isInstance).findFirst()
                .map(d.actions()::indexOf).orElse(-1);
        assertTrue(start >= 0 && label > start, d.actions().toString());
    }

    // ---------------------------------------------------------------- unknown sequences back off

    @Test
    void anUnknownSequenceIsReadAgainWithABackoffThatDoubles() {
        Duration period = Duration.ofSeconds(30);
        Instant at = T.minus(period).minusSeconds(1);
        Scenario firstUnknown = Scenario.lightsOut(5L, 9L, 3L).with(s -> s.recoveryStartedAt = Optional.of(
                at.minus(period.multipliedBy(10)))).member(2, m -> {
            m.sequence = Optional.of(new Observed<>(new SequenceResult.Unknown("garbage"), at));
            m.unknownSince = Optional.of(at);
        });
        assertTrue(collects(firstUnknown.decide(), "db-2"), "after one period");
        Scenario longUnknown = Scenario.lightsOut(5L, 9L, 3L).with(s -> s.recoveryStartedAt = Optional.of(
                at.minus(period.multipliedBy(10)))).member(2, m -> {
            m.sequence = Optional.of(new Observed<>(new SequenceResult.Unknown("garbage"), at));
            m.unknownSince = Optional.of(at.minus(period.multipliedBy(4)));
        });
        assertFalse(collects(longUnknown.decide(), "db-2"), "unknown for four periods: wait four more");
    }

    private static boolean collects(Decision d, String pod) {
        return d.actionsOf(Action.CollectSequences.class).stream().anyMatch(c -> c.pods().contains(pod));
    }
}
