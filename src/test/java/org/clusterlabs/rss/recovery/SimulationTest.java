package org.clusterlabs.rss.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Runs the control-loop simulation over many seeded schedules. {@code -Dsimulation.seed=N} replays one schedule
 * with its trace; {@code -Dsimulation.schedules=N} changes how many run.
 */
class SimulationTest {

    static final long FIRST_SEED = 20_261_125L;

    @Test
    void everyScheduleKeepsTheInvariants() {
        String replay = System.getProperty("simulation.seed");
        if (replay != null) {
            Simulation.Result r = new Simulation(Long.parseLong(replay), true).run();
            r.trace().forEach(System.out::println);
            System.out.println("simulation: 1 schedules, " + r.steps() + " steps, " + (r.violation() == null ? 0 : 1)
                    + " invariant violations");
            assertEquals(null, r.violation());
            return;
        }
        int schedules = Integer.getInteger("simulation.schedules", 10_000);
        long steps = 0;
        int violations = 0;
        java.util.Map<String, Integer> byInvariant = new java.util.TreeMap<>();
        Simulation.Result first = null;
        int firstIndex = -1;
        long started = System.nanoTime();
        // Schedules are independent and each is deterministic, so they run on every core; results keep their order.
        Simulation.Result[] results = java.util.stream.IntStream.range(0, schedules).parallel()
                .mapToObj(i -> new Simulation(FIRST_SEED + i, false).run()).toArray(Simulation.Result[]::new);
        for (int i = 0; i < schedules; i++) {
            Simulation.Result r = results[i];
            steps += r.steps();
            if (r.violation() != null) {
                violations++;
                String kind = r.violation().substring(0, Math.max(0, r.violation().indexOf(':')));
                byInvariant.merge(kind, 1, Integer::sum);
                if (first == null) {
                    first = r;
                    firstIndex = i + 1;
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (first != null) {
            Simulation.Result replayed = new Simulation(first.seed(), true).run();
            replayed.trace().forEach(System.err::println);
            System.err.println("first violation in schedule #" + firstIndex + " (seed " + first.seed() + "): "
                    + first.violation() + "; replay with -Dsimulation.seed=" + first.seed());
            System.err.println("violations by invariant: " + byInvariant);
        }
        System.err.println("simulation took " + millis + " ms");
        System.out.println("simulation: " + schedules + " schedules, " + steps + " steps, " + violations
                + " invariant violations");
        assertEquals(0, violations, "invariant violations");
    }
}
