package org.clusterlabs.rss.recovery;

import static org.clusterlabs.rss.recovery.StatusReport.FAILED;
import static org.clusterlabs.rss.recovery.StatusReport.NOT_RUNNING;
import static org.clusterlabs.rss.recovery.StatusReport.RUNNING_PRIMARY;
import static org.clusterlabs.rss.recovery.StatusReport.RUNNING_SECONDARY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule: a readable scenario, the planner's input, and what its decision must say. */
class PlannerTableTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String scenario, Supplier<Scenario> input, Consumer<Decision> expectation) {
        Decision decision = input.get().decide();
        try {
            expectation.accept(decision);
        } catch (AssertionError e) {
            throw new AssertionError(scenario + "\n  decision: " + decision.actions() + "\n  assessment: "
                    + decision.assessment() + "\n  record: " + decision.record() + "\n" + e.getMessage(), e);
        }
    }

    static Arguments row(String name, Supplier<Scenario> input, Consumer<Decision> expectation) {
        return Arguments.of(name, input, expectation);
    }

    static Stream<Arguments> rows() {
        Instant old = Scenario.NOW.minusSeconds(600);
        return Stream.of(
                // ---- after a restart: status first
                row("after an operator restart every status is empty: check them all before anything else",
                        () -> Scenario.of(null, null, null),
                        d -> assertOnly(d, new Action.CheckStatus(List.of("db-0", "db-1", "db-2")))),
                row("a status older than statusPeriod is checked again",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY)
                                .member(1, m -> m.status = Optional.of(new Observed<>(RUNNING_PRIMARY, old))),
                        d -> assertTrue(d.actionsOf(Action.CheckStatus.class).get(0).pods().contains("db-1"))),
                row("checking a member that just started, beside running primaries, reads Degraded, not Pending",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, RUNNING_PRIMARY)
                                .member(1, m -> m.lastStartOrStop = Optional.of(Scenario.NOW)),
                        d -> assertEquals(ClusterPhase.DEGRADED, d.assessment().phase())),
                row("checking every copy after an operator restart reads Pending: nothing is known yet",
                        () -> Scenario.of(null, null, null),
                        d -> assertEquals(ClusterPhase.PENDING, d.assessment().phase())),
                row("a status older than the member's last start or stop is checked again",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, RUNNING_PRIMARY)
                                .member(1, m -> m.lastStartOrStop = Optional.of(Scenario.NOW)),
                        d -> assertTrue(d.actionsOf(Action.CheckStatus.class).get(0).pods().contains("db-1"))),
                row("a member with a status hook in flight is not asked again and blocks the seed",
                        () -> Scenario.lightsOut(1L, 2L, 3L).member(2, m -> {
                            m.status = Optional.empty();
                            m.hook = Optional.of(HookKind.STATUS);
                        }),
                        d -> {
                            assertNoSeed(d);
                            assertTrue(d.actionsOf(Action.CheckStatus.class).isEmpty());
                        }),
                // ---- lights-out: one collection round
                row("lights-out: every sequence is collected in one parallel round and the recovery start is kept",
                        () -> Scenario.stopped(3),
                        d -> {
                            assertEquals(List.of(new Action.CollectSequences(List.of("db-0", "db-1", "db-2"))),
                                    d.actionsOf(Action.CollectSequences.class));
                            assertEquals(Optional.of(Scenario.NOW), d.record().recoveryStartedAt());
                            assertNoSeed(d);
                        }),
                row("a sequence read before the recovery began does not count",
                        () -> Scenario.lightsOut(1L, 2L, 3L).member(0, m -> m.sequence = Optional.of(
                                new Observed<>(new SequenceResult.Known(9), Scenario.RECOVERY_START.minusSeconds(1)))),
                        d -> {
                            assertNoSeed(d);
                            assertEquals(List.of("db-0"), d.actionsOf(Action.CollectSequences.class).get(0).pods());
                        }),
                // ---- election and every tie shape
                row("the highest sequence wins", () -> Scenario.lightsOut(5L, 9L, 7L), d -> assertSeed(d, "db-1", 1, 9)),
                row("tie between ordinals 0 and 1 goes to 0", () -> Scenario.lightsOut(9L, 9L, 3L),
                        d -> assertSeed(d, "db-0", 1, 9)),
                row("tie between ordinals 1 and 2 goes to 1", () -> Scenario.lightsOut(3L, 9L, 9L),
                        d -> assertSeed(d, "db-1", 1, 9)),
                row("tie between ordinals 0 and 2 goes to 0", () -> Scenario.lightsOut(9L, 3L, 9L),
                        d -> assertSeed(d, "db-0", 1, 9)),
                row("all equal goes to ordinal 0", () -> Scenario.lightsOut(4L, 4L, 4L),
                        d -> assertSeed(d, "db-0", 1, 4)),
                row("a fresh cluster (all zero) seeds ordinal 0", () -> Scenario.lightsOut(0L, 0L, 0L),
                        d -> assertSeed(d, "db-0", 1, 0)),
                row("five members, tie between 2 and 4 at the top goes to 2",
                        () -> Scenario.lightsOut(1L, 2L, 8L, 3L, 8L), d -> assertSeed(d, "db-2", 1, 8)),
                row("the seed opens epoch+1 with one attempt, recorded in the same decision",
                        () -> Scenario.lightsOut(5L, 9L, 7L).with(s -> s.epoch = 6),
                        d -> {
                            assertSeed(d, "db-1", 7, 9);
                            SeedRecord seed = d.record().seed().orElseThrow();
                            assertEquals(new SeedRecord("db-1", 7, 9, Scenario.NOW, 1, false), seed);
                            assertEquals(7, d.record().epoch());
                        }),
                row("the seed raises the high-water mark",
                        () -> Scenario.lightsOut(5L, 9L, 7L).with(s -> s.highWaterMark = OptionalLong.of(4)),
                        d -> {
                            assertEquals(OptionalLong.of(9), d.record().highWaterMark());
                            assertTrue(d.actions().contains(new Action.RecordHighWaterMark(9)));
                        }),
                row("a seed exactly at the high-water mark is allowed",
                        () -> Scenario.lightsOut(5L, 9L, 7L).with(s -> s.highWaterMark = OptionalLong.of(9)),
                        d -> assertSeed(d, "db-1", 1, 9)),
                // ---- Unknown in every position (Wait)
                row("Unknown at ordinal 0 blocks the seed and is quoted",
                        () -> Scenario.lightsOut("hook timed out after 30s", 2L, 3L),
                        d -> assertWaitsFor(d, "db-0", "hook timed out after 30s")),
                row("Unknown at ordinal 1 blocks the seed and is quoted",
                        () -> Scenario.lightsOut(1L, "printed 'abc'", 3L),
                        d -> assertWaitsFor(d, "db-1", "printed 'abc'")),
                row("Unknown at ordinal 2 blocks the seed and is quoted",
                        () -> Scenario.lightsOut(1L, 2L, "exit code 2"), d -> assertWaitsFor(d, "db-2", "exit code 2")),
                row("Unknown everywhere: no seed, every member named",
                        () -> Scenario.lightsOut("a", "b", "c"),
                        d -> {
                            assertWaitsFor(d, "db-0", "a");
                            assertWaitsFor(d, "db-1", "b");
                            assertWaitsFor(d, "db-2", "c");
                        }),
                row("Unknown beside zeros is not a zero: no seed even though every Known is 0",
                        () -> Scenario.lightsOut(0L, "garbage", 0L), d -> assertWaitsFor(d, "db-1", "garbage")),
                row("an Unknown older than statusPeriod is asked again",
                        () -> Scenario.lightsOut(1L, 2L, 3L).member(1, m -> m.sequence = Optional.of(
                                new Observed<>(new SequenceResult.Unknown("timeout"), Scenario.NOW.minusSeconds(31))))
                                .with(s -> s.recoveryStartedAt = Optional.of(Scenario.NOW.minusSeconds(60))),
                        d -> {
                            assertNoSeed(d);
                            assertEquals(List.of("db-1"), d.actionsOf(Action.CollectSequences.class).get(0).pods());
                        }),
                row("a member that has not reported yet is waited for and asked",
                        () -> Scenario.lightsOut(1L, 2L, null), d -> {
                            assertWaitsFor(d, "db-2", "not reported");
                            assertEquals(List.of("db-2"), d.actionsOf(Action.CollectSequences.class).get(0).pods());
                        }),
                row("a member whose pod does not exist is waited for",
                        () -> Scenario.lightsOut(1L, 2L, null).member(2, m -> {
                            m.podExists = false;
                            m.status = Optional.empty();
                        }), d -> assertWaitsFor(d, "db-2", "does not exist")),
                // ---- quorum
                row("Quorum before the report timeout still waits",
                        () -> Scenario.lightsOut(5L, 9L, "timeout").with(s -> s.policy = MissingMembersPolicy.QUORUM),
                        d -> {
                            assertNoSeed(d);
                            assertEquals("CollectingSequences", d.assessment().reason());
                        }),
                row("Quorum after the report timeout elects the best of a majority",
                        () -> Scenario.lightsOut(5L, 9L, "timeout").with(s -> {
                            s.policy = MissingMembersPolicy.QUORUM;
                            s.reportTimeout = Duration.ofSeconds(10);
                        }), d -> assertSeed(d, "db-1", 1, 9)),
                row("Quorum after the timeout without a strict majority waits (1 of 3)",
                        () -> Scenario.lightsOut("x", 9L, "y").with(s -> {
                            s.policy = MissingMembersPolicy.QUORUM;
                            s.reportTimeout = Duration.ofSeconds(10);
                        }), d -> {
                            assertNoSeed(d);
                            assertEquals("NoQuorum", d.assessment().reason());
                        }),
                row("Quorum: 2 of 4 is not a strict majority",
                        () -> Scenario.lightsOut(1L, 9L, "y", "z").with(s -> {
                            s.policy = MissingMembersPolicy.QUORUM;
                            s.reportTimeout = Duration.ofSeconds(10);
                        }), d -> assertNoSeed(d)),
                row("Quorum never goes below the high-water mark",
                        () -> Scenario.lightsOut(5L, 7L, "timeout").with(s -> {
                            s.policy = MissingMembersPolicy.QUORUM;
                            s.reportTimeout = Duration.ofSeconds(10);
                            s.highWaterMark = OptionalLong.of(8);
                        }), d -> {
                            assertNoSeed(d);
                            assertEquals("QuorumBelowHighWaterMark", d.assessment().reason());
                        }),
                row("Wait: every copy reported but all are below the high-water mark: refuse and explain the force",
                        () -> Scenario.lightsOut(5L, 7L, 6L).with(s -> s.highWaterMark = OptionalLong.of(8)),
                        d -> assertRefuses(d, "BelowHighWaterMark", "rss.clusterlabs.org/force-seed: db-1")),
                // ---- the recorded seed
                row("restart between recording the seed and running it: statuses first, never a new election",
                        () -> Scenario.lightsOut(50L, 10L, 3L).pendingSeed("db-1", 4, 10, 1, old).with(s -> {
                            for (Scenario.M m : s.members) {
                                m.status = Optional.empty();
                                m.sequence = Optional.empty();
                            }
                        }), d -> {
                            assertNoSeed(d);
                            assertEquals(3, d.actionsOf(Action.CheckStatus.class).get(0).pods().size());
                        }),
                row("a recorded seed that did not come up is retried on the same pod, same epoch, one more attempt",
                        () -> Scenario.lightsOut(50L, 10L, 3L).pendingSeed("db-1", 4, 10, 1, old),
                        d -> {
                            assertSeed(d, "db-1", 4, 10);
                            assertEquals(2, d.record().seed().orElseThrow().attempts());
                            assertEquals(4, d.record().epoch());
                        }),
                row("the retry waits for the backoff (backoff x attempts)",
                        () -> Scenario.lightsOut(1L, 10L, 3L)
                                .pendingSeed("db-1", 4, 10, 2, Scenario.NOW.minusSeconds(15))
                                .with(s -> s.backoff = Duration.ofSeconds(10)),
                        d -> {
                            assertNoSeed(d);
                            assertEquals("SeedBackoff", d.assessment().reason());
                        }),
                row("the retry status must postdate the last attempt",
                        () -> Scenario.lightsOut(1L, 10L, 3L).pendingSeed("db-1", 4, 10, 1, Scenario.NOW),
                        d -> assertOnly(d, new Action.CheckStatus(List.of("db-1")))),
                row("after seedRetries retries: refuse, naming the annotation",
                        () -> Scenario.lightsOut(1L, 10L, 3L).pendingSeed("db-1", 4, 10, 4, old),
                        d -> assertRefuses(d, "SeedRetriesExhausted", "rss.clusterlabs.org/force-seed: db-1")),
                row("a seed hook in flight: wait, no second seed",
                        () -> Scenario.lightsOut(1L, 10L, 3L).pendingSeed("db-1", 4, 10, 1, old)
                                .member(1, m -> m.hook = Optional.of(HookKind.SEED)),
                        d -> assertNoSeed(d)),
                row("the seed confirmed running as primary ends the recovery and the next primary joins",
                        () -> Scenario.lightsOut(1L, 10L, 3L).pendingSeed("db-1", 4, 10, 1, old)
                                .status(1, RUNNING_PRIMARY).sequence(0, 1L).sequence(2, 3L),
                        d -> {
                            assertEquals(Optional.empty(), d.record().recoveryStartedAt());
                            assertEquals(List.of(new Action.StartPrimaries(List.of("db-2"), List.of("db-1"))),
                                    d.actionsOf(Action.StartPrimaries.class));
                        }),
                row("a seed recorded in an earlier recovery is not pending: a new lights-out elects again",
                        () -> Scenario.lightsOut(1L, 10L, 3L).with(s -> {
                            s.epoch = 4;
                            s.seed = Optional.of(new SeedRecord("db-0", 4, 0, old, 1, false));
                        }), d -> assertSeed(d, "db-1", 5, 10)),
                // ---- force
                row("force seeds the named pod even below the high-water mark, and is consumed",
                        () -> Scenario.lightsOut(9L, 9L, 3L).with(s -> {
                            s.highWaterMark = OptionalLong.of(9);
                            s.force = Optional.of("db-2");
                        }), d -> {
                            assertEquals(Optional.of(new Action.Seed("db-2", 1, 3, true)), d.seed());
                            assertEquals(Optional.of("db-2"), d.record().consumedForceSeed());
                            assertEquals(OptionalLong.of(3), d.record().highWaterMark());
                        }),
                row("a consumed force is not used twice",
                        () -> Scenario.lightsOut(9L, 9L, 3L).with(s -> {
                            s.force = Optional.of("db-2");
                            s.consumedForce = Optional.of("db-2");
                        }), d -> assertSeed(d, "db-0", 1, 9)),
                row("force overrides exhausted seed retries",
                        () -> Scenario.lightsOut(1L, 10L, 3L).pendingSeed("db-1", 4, 10, 4, old)
                                .with(s -> s.force = Optional.of("db-1")),
                        d -> assertEquals(Optional.of(new Action.Seed("db-1", 5, 10, true)), d.seed())),
                row("force on a pod whose sequence is not read yet: read it first",
                        () -> Scenario.lightsOut(1L, 10L, null).with(s -> s.force = Optional.of("db-2")),
                        d -> {
                            assertNoSeed(d);
                            assertEquals(List.of("db-2"), d.actionsOf(Action.CollectSequences.class).get(0).pods());
                        }),
                row("force naming a pod outside spec.replicas is refused with its own reason, consumed, and the"
                                + " recovery goes on without it",
                        () -> Scenario.lightsOut(1L, 10L, 3L).with(s -> s.force = Optional.of("db-7")),
                        d -> {
                            Action.RefuseForceSeed refused = d.actionsOf(Action.RefuseForceSeed.class).get(0);
                            assertEquals("db-7", refused.pod());
                            assertTrue(refused.reason().contains("db-7"), refused.reason());
                            assertEquals(Optional.of("db-7"), d.record().consumedForceSeed());
                            assertSeed(d, "db-1", 1, 10);
                        }),
                row("a consumed force request is forgotten once the annotation is gone, so the same pod can be"
                                + " forced again later",
                        () -> Scenario.lightsOut(9L, 9L, 3L).with(s -> s.consumedForce = Optional.of("db-2")),
                        d -> assertEquals(Optional.empty(), d.record().consumedForceSeed())),
                row("force while a primary runs: no seed, the request is consumed",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING)
                                .with(s -> s.force = Optional.of("db-2")),
                        d -> {
                            assertNoSeed(d);
                            assertEquals(Optional.of("db-2"), d.record().consumedForceSeed());
                        }),
                // ---- fencing: a node that is not Ready means maybe running
                row("a pod on an unreachable node blocks lights-out",
                        () -> Scenario.lightsOut(1L, 2L, 3L).member(2, m -> m.reachable = false),
                        d -> {
                            assertNoSeed(d);
                            assertWaitsFor(d, "db-2", "not Ready");
                        }),
                row("a pod in phase Unknown blocks lights-out",
                        () -> Scenario.lightsOut(1L, 2L, 3L).member(2, m -> m.phase = PodPhase.UNKNOWN),
                        d -> assertNoSeed(d)),
                row("once the pod on the unreachable node is deleted the copy counts as stopped",
                        () -> Scenario.stopped(3).member(2, m -> {
                            m.reachable = false;
                            m.podExists = false;
                        }), d -> assertEquals(List.of("db-0", "db-1"),
                                d.actionsOf(Action.CollectSequences.class).get(0).pods())),
                row("the only primary on an unreachable node: no seed",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).member(0, m -> m.reachable = false),
                        d -> assertNoSeed(d)),
                row("hooks of the previous operator process may still run: no seed before they end",
                        () -> Scenario.lightsOut(1L, 2L, 3L).with(s -> s.orphanHooksEndBy = Scenario.NOW.plusSeconds(30)),
                        d -> {
                            assertNoSeed(d);
                            assertEquals("WaitingForMembersToSettle", d.assessment().reason());
                        }),
                row("a NOT_RUNNING seen before the previous process's hooks ended is checked again",
                        () -> Scenario.lightsOut(1L, 2L, 3L).with(s -> s.orphanHooksEndBy = Scenario.NOW),
                        d -> assertOnly(d, new Action.CheckStatus(List.of("db-0", "db-1", "db-2")))),
                row("secondaries running without any primary are stopped before a recovery",
                        () -> Scenario.of(RUNNING_SECONDARY, NOT_RUNNING, NOT_RUNNING),
                        d -> assertEquals(1, d.actionsOf(Action.Stop.class).size())),
                // ---- partial outage
                row("a primary runs: never a seed, even when a stopped copy reports a higher sequence",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, 99L).sequence(2, 1L),
                        d -> assertNoSeed(d)),
                row("serial join: with several candidates their sequences are read first",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING),
                        d -> assertEquals(List.of("db-1", "db-2"),
                                d.actionsOf(Action.CollectSequences.class).get(0).pods())),
                row("serial join: the candidate with the highest sequence starts first, alone",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, 3L).sequence(2, 7L),
                        d -> assertEquals(List.of(new Action.StartPrimaries(List.of("db-2"), List.of("db-0"))),
                                d.actionsOf(Action.StartPrimaries.class))),
                row("serial join: a stopped copy's sequence read periods ago still ranks it (no re-read per join)",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, 3L).sequence(2, 7L)
                                .member(1, m -> m.sequence = m.sequence.map(o -> new Observed<>(o.value(),
                                        Scenario.NOW.minus(Duration.ofMinutes(10)))))
                                .member(2, m -> m.sequence = m.sequence.map(o -> new Observed<>(o.value(),
                                        Scenario.NOW.minus(Duration.ofMinutes(10))))),
                        d -> {
                            assertEquals(List.of(), d.actionsOf(Action.CollectSequences.class));
                            assertEquals(List.of(new Action.StartPrimaries(List.of("db-2"), List.of("db-0"))),
                                    d.actionsOf(Action.StartPrimaries.class));
                        }),
                row("serial join: an Unknown read periods ago is read again (it is a failed reading, not data)",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, "timed out")
                                .sequence(2, 7L)
                                .member(1, m -> m.sequence = m.sequence.map(o -> new Observed<>(o.value(),
                                        Scenario.NOW.minus(Duration.ofMinutes(10))))),
                        d -> assertEquals(List.of(new Action.CollectSequences(List.of("db-1"))),
                                d.actionsOf(Action.CollectSequences.class))),
                row("serial join: a reading from before the copy's last start or stop is read again",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, 3L).sequence(2, 7L)
                                .member(2, m -> m.sequence = m.sequence.map(o -> new Observed<>(o.value(),
                                        Scenario.NOW.minus(Duration.ofMinutes(10)))))
                                .member(2, m -> m.lastStartOrStop = Optional.of(Scenario.NOW.minus(
                                        Duration.ofMinutes(5)))),
                        d -> assertEquals(List.of(new Action.CollectSequences(List.of("db-2"))),
                                d.actionsOf(Action.CollectSequences.class))),
                row("serial join: an Unknown candidate ranks after every Known one",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).sequence(1, "garbage")
                                .sequence(2, 0L),
                        d -> assertEquals(List.of("db-2"), d.actionsOf(Action.StartPrimaries.class).get(0).pods())),
                row("serial join: nothing starts while a primary hook is in flight",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, null).member(2,
                                m -> m.hook = Optional.of(HookKind.PRIMARY)),
                        d -> assertTrue(d.actionsOf(Action.StartPrimaries.class).isEmpty())),
                row("parallel join: every missing primary starts at once with the running primaries as peers",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING)
                                .with(s -> s.startPolicy = PrimaryStartPolicy.PARALLEL),
                        d -> assertEquals(List.of(new Action.StartPrimaries(List.of("db-1", "db-2"), List.of("db-0"))),
                                d.actionsOf(Action.StartPrimaries.class))),
                row("primaries=1: the other stopped copies join as secondaries",
                        () -> Scenario.of(RUNNING_PRIMARY, NOT_RUNNING, NOT_RUNNING).with(s -> s.primaries = 1),
                        d -> assertEquals(List.of(new Action.StartSecondaries(List.of("db-1", "db-2"),
                                List.of("db-0"))), d.actionsOf(Action.StartSecondaries.class))),
                row("too many primaries: the highest ordinal is stopped",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY).with(s -> s.primaries = 2),
                        d -> assertEquals(List.of("db-2"), stops(d))),
                row("too many primaries, the highest has a hook in flight: nothing is stopped this round",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY).with(s -> s.primaries = 2)
                                .member(2, m -> m.hook = Optional.of(HookKind.STATUS)),
                        d -> assertEquals(List.of(), stops(d))),
                row("too few primaries: the secondary with the highest sequence is promoted first",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_SECONDARY, RUNNING_SECONDARY)
                                .with(s -> s.primaries = 2).sequence(1, 5L).sequence(2, 8L),
                        d -> assertEquals(List.of("db-2"), stops(d))),
                // ---- failures
                row("a failed status is stopped and restarted, counted once",
                        () -> Scenario.of(RUNNING_PRIMARY, FAILED, RUNNING_PRIMARY),
                        d -> {
                            assertEquals(1, d.actionsOf(Action.RestartMember.class).size());
                            assertEquals(1, d.record().failuresOf("db-1"));
                        }),
                row("failureThreshold consecutive failures delete the pod, recorded before",
                        () -> Scenario.of(RUNNING_PRIMARY, FAILED, RUNNING_PRIMARY)
                                .with(s -> s.failures.put("db-1", 2)),
                        d -> {
                            assertEquals(List.of("db-1"), d.actionsOf(Action.DeletePod.class).stream()
                                    .map(Action.DeletePod::pod).toList());
                            assertEquals(0, d.record().failuresOf("db-1"));
                        }),
                row("a healthy observation resets the failure count",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY)
                                .with(s -> s.failures.put("db-1", 2)),
                        d -> assertEquals(Map.of(), d.record().failures())),
                row("a failed member with a hook in flight is left alone",
                        () -> Scenario.of(RUNNING_PRIMARY, FAILED, RUNNING_PRIMARY)
                                .member(1, m -> m.hook = Optional.of(HookKind.STOP)),
                        d -> assertTrue(d.actionsOf(Action.RestartMember.class).isEmpty())),
                // ---- scaling
                row("scale down: the departing copy is stopped first and the StatefulSet keeps its size",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY).with(s -> {
                            s.replicas = 2;
                            s.statefulSetReplicas = 3;
                        }), d -> {
                            assertEquals(List.of("db-2"), stops(d));
                            assertTrue(d.actionsOf(Action.ResizeStatefulSet.class).isEmpty());
                        }),
                row("scale down: once the departing copy reports NOT_RUNNING the StatefulSet shrinks",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, NOT_RUNNING).with(s -> {
                            s.replicas = 2;
                            s.statefulSetReplicas = 3;
                            s.lastRunningMembers = 3;
                        }), d -> {
                            assertEquals(List.of(new Action.ResizeStatefulSet(2)),
                                    d.actionsOf(Action.ResizeStatefulSet.class));
                            assertEquals(2, d.record().lastRunningMembers());
                        }),
                row("scale up: the StatefulSet grows first",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY)
                                .addMember(null).addMember(null).with(s -> {
                                    s.replicas = 5;
                                    s.primaries = 5;
                                    s.statefulSetReplicas = 3;
                                    s.m(3).podExists = false;
                                    s.m(4).podExists = false;
                                }),
                        d -> assertEquals(List.of(new Action.ResizeStatefulSet(5)),
                                d.actionsOf(Action.ResizeStatefulSet.class))),
                row("scale up: a new member joins as primary once its pod runs",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY, NOT_RUNNING),
                        d -> assertEquals(List.of("db-3"), d.actionsOf(Action.StartPrimaries.class).get(0).pods())),
                row("scale from zero on fewer copies than last ran is refused",
                        () -> Scenario.lightsOut(1L, 2L).with(s -> s.lastRunningMembers = 3),
                        d -> assertRefuses(d, "FewerReplicasThanLastRunning", "spec.replicas")),
                row("scale from zero on fewer copies is allowed when forced",
                        () -> Scenario.lightsOut(1L, 2L).with(s -> {
                            s.lastRunningMembers = 3;
                            s.force = Optional.of("db-1");
                        }), d -> assertEquals(Optional.of(new Action.Seed("db-1", 1, 2, true)), d.seed())),
                row("lights-out during a scale-down: a departing copy with the newest data is not left out",
                        () -> Scenario.lightsOut(1L, 2L, 9L).with(s -> {
                            s.replicas = 2;
                            s.statefulSetReplicas = 3;
                        }), d -> assertRefuses(d, "DepartingMemberHoldsNewestData", "db-2")),
                row("spec.replicas 0 stops every running copy",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY).with(s -> {
                            s.replicas = 0;
                            s.statefulSetReplicas = 2;
                        }), d -> assertEquals(List.of("db-0", "db-1"), stops(d))),
                // ---- rolling update
                row("rolling: one outdated running member is stopped, not two",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY)
                                .member(1, m -> m.upToDate = false).member(2, m -> m.upToDate = false),
                        d -> assertEquals(List.of("db-2"), stops(d))),
                row("rolling: the stopped outdated member gets a new pod",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, NOT_RUNNING)
                                .member(2, m -> m.upToDate = false),
                        d -> assertEquals(List.of("db-2"), d.actionsOf(Action.DeletePod.class).stream()
                                .map(Action.DeletePod::pod).toList())),
                row("rolling: nothing is rolled while the cluster is not healthy",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, null).member(1, m -> m.upToDate = false)
                                .member(2, m -> m.podExists = false),
                        d -> assertTrue(d.actionsOf(Action.Stop.class).isEmpty())),
                // ---- steady
                row("every copy in its wanted role: steady",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_PRIMARY, RUNNING_PRIMARY),
                        d -> {
                            assertOnly(d, new Action.Steady());
                            assertEquals(ClusterPhase.RUNNING, d.assessment().phase());
                        }),
                row("steady with one primary and two secondaries",
                        () -> Scenario.of(RUNNING_PRIMARY, RUNNING_SECONDARY, RUNNING_SECONDARY)
                                .with(s -> s.primaries = 1),
                        d -> assertOnly(d, new Action.Steady())));
    }

    static List<String> stops(Decision d) {
        return d.actionsOf(Action.Stop.class).stream().map(Action.Stop::pod).toList();
    }

    static void assertOnly(Decision d, Action action) {
        assertEquals(List.of(action), d.actions());
    }

    static void assertSeed(Decision d, String pod, long epoch, long sequence) {
        assertEquals(Optional.of(new Action.Seed(pod, epoch, sequence, false)), d.seed());
        assertEquals(pod, d.record().seed().orElseThrow().pod());
        assertEquals(ClusterPhase.SEEDING, d.assessment().phase());
    }

    static void assertNoSeed(Decision d) {
        assertEquals(Optional.empty(), d.seed());
    }

    static void assertWaitsFor(Decision d, String pod, String because) {
        assertNoSeed(d);
        assertTrue(d.actionsOf(Action.WaitFor.class).stream()
                .anyMatch(w -> w.pods().contains(pod) && w.reason().contains(because)),
                "expected WaitFor(" + pod + ", ..." + because + "...)");
        assertTrue(d.assessment().message().contains(pod), "the message names " + pod);
    }

    static void assertRefuses(Decision d, String reason, String mentioning) {
        assertNoSeed(d);
        assertEquals(reason, d.assessment().reason());
        assertEquals(ClusterPhase.FAILED, d.assessment().phase());
        List<Action.Refuse> refusals = d.actionsOf(Action.Refuse.class);
        assertFalse(refusals.isEmpty(), "a Refuse action");
        assertTrue(refusals.get(0).reason().contains(mentioning), "the refusal mentions " + mentioning);
    }
}
