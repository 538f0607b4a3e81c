package org.clusterlabs.rss.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** Properties of the election over generated lights-outs of 1 to 7 copies. */
class ElectionPropertiesTest {

    /** A sequence report: a Known value (small, so ties are common) or an Unknown. */
    @Provide
    Arbitrary<List<Object>> reports() {
        Arbitrary<Object> known = Arbitraries.longs().between(0, 6).map(v -> (Object) v);
        Arbitrary<Object> unknown = Arbitraries.of("timed out", "printed garbage", "exit 1").map(r -> (Object) r);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, known), net.jqwik.api.Tuple.of(1, unknown))
                .list().ofMinSize(1).ofMaxSize(7);
    }

    @Provide
    Arbitrary<List<Long>> knowns() {
        return Arbitraries.longs().between(0, 6).list().ofMinSize(1).ofMaxSize(7);
    }

    @Property
    void theSeedHoldsTheMaximumKnownSequenceAtTheLowestOrdinal(@ForAll("knowns") List<Long> sequences) {
        Decision d = Scenario.lightsOut(sequences.toArray()).decide();
        long max = Collections.max(sequences);
        Action.Seed seed = d.seed().orElseThrow();
        assertEquals(max, seed.sequence());
        assertEquals("db-" + sequences.indexOf(max), seed.pod());
    }

    @Property
    void theDecisionDoesNotDependOnTheOrderOfMembers(@ForAll("reports") List<Object> reports,
            @ForAll long shuffleSeed, @ForAll boolean quorum) {
        Scenario ordered = quorumAfterTimeout(Scenario.lightsOut(reports.toArray()), quorum);
        Scenario shuffled = quorumAfterTimeout(Scenario.lightsOut(reports.toArray()), quorum);
        Collections.shuffle(shuffled.members, new Random(shuffleSeed));
        assertEquals(ordered.decide(), shuffled.decide());
    }

    @Property
    void withWaitNoSeedWhileAnySequenceIsUnknown(@ForAll("reports") List<Object> reports) {
        Assume.that(reports.stream().anyMatch(r -> r instanceof String));
        Decision d = Scenario.lightsOut(reports.toArray()).decide();
        assertEquals(Optional.empty(), d.seed());
        for (int i = 0; i < reports.size(); i++) {
            if (reports.get(i) instanceof String reason) {
                String pod = "db-" + i;
                assertTrue(d.actionsOf(Action.WaitFor.class).stream()
                        .anyMatch(w -> w.pods().contains(pod) && w.reason().contains(reason)));
            }
        }
    }

    /** Replacing an Unknown by a Known below the maximum never changes a seed that was chosen (Quorum). */
    @Property
    void anUnknownIsNeverANumber(@ForAll("reports") List<Object> reports, @ForAll @IntRange(min = 0, max = 6) int pick,
            @ForAll @LongRange(min = 0, max = 6) long replacement) {
        List<Integer> unknowns = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            if (reports.get(i) instanceof String) {
                unknowns.add(i);
            }
        }
        long maxKnown = reports.stream().filter(r -> r instanceof Long).mapToLong(r -> (Long) r).max().orElse(-1);
        Assume.that(!unknowns.isEmpty() && replacement < maxKnown);
        Decision withUnknown = quorumAfterTimeout(Scenario.lightsOut(reports.toArray()), true).decide();
        List<Object> replaced = new ArrayList<>(reports);
        replaced.set(unknowns.get(pick % unknowns.size()), replacement);
        Decision withKnown = quorumAfterTimeout(Scenario.lightsOut(replaced.toArray()), true).decide();
        withUnknown.seed().ifPresent(seed -> assertEquals(Optional.of(seed), withKnown.seed()));
    }

    /** Quorum never elects from a minority, nor below the high-water mark. */
    @Property
    void quorumNeedsAStrictMajorityAndTheMark(@ForAll("reports") List<Object> reports,
            @ForAll @LongRange(min = 0, max = 7) long mark) {
        Scenario s = quorumAfterTimeout(Scenario.lightsOut(reports.toArray()), true);
        s.highWaterMark = java.util.OptionalLong.of(mark);
        Decision d = s.decide();
        long known = reports.stream().filter(r -> r instanceof Long).count();
        d.seed().ifPresent(seed -> {
            assertTrue(known * 2 > reports.size(), "a strict majority reported");
            assertTrue(seed.sequence() >= mark, "not below the high-water mark");
        });
    }

    private static Scenario quorumAfterTimeout(Scenario s, boolean quorum) {
        if (quorum) {
            s.policy = MissingMembersPolicy.QUORUM;
            s.reportTimeout = Duration.ofSeconds(5);
        }
        return s;
    }
}
