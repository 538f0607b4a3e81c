package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One pass of the control loop after observing: plan, check that every planned action can run, write the durable
 * record as a fence, then act. Production's reconciler and the simulation both run exactly this code, so the
 * simulation checks the conflict policy that production has:
 *
 * <ol>
 * <li>An action that cannot run (its copy is busy, its hook cannot be built) is reported, and nothing of the
 * decision is recorded or run: the next pass plans again. A recorded seed is never silently skipped.</li>
 * <li>The record is written with optimistic locking against the version observed, never re-applied. On a
 * conflict the pass runs nothing and the next pass plans again from fresh state.</li>
 * <li>Only then the actions run.</li>
 * </ol>
 */
public final class ControlPass {

    /** The durable record: the resource's status in production. */
    public interface Fence {
        /**
         * Writes the record (and, when {@code startsAt} is present, the time of the starts and stops that follow)
         * only if nothing changed the resource since it was observed. Returns false on a conflict, having written
         * nothing.
         */
        boolean write(RecordedState record, Optional<Instant> startsAt);
    }

    /** Carries out actions. */
    public interface Actuator {
        /** Why the action cannot run now, or empty when it can. Has no side effect. */
        Optional<String> refusal(Action action);

        /** Runs one action whose refusal was empty; hooks run in the background. */
        void run(Action action);
    }

    /** How the pass ended. */
    public sealed interface Outcome {
        Decision decision();

        /** The record is written (if it changed) and every action was started. */
        record Acted(Decision decision) implements Outcome {
        }

        /** Someone changed the resource since it was observed: nothing was recorded or run. */
        record Conflict(Decision decision) implements Outcome {
        }

        /** Some actions could not run: nothing was recorded or run. */
        record Refused(Decision decision, List<String> reasons) implements Outcome {
        }
    }

    private final Planner planner = new Planner();

    public Outcome run(ClusterView view, Fence fence, Actuator actuator) {
        Decision decision = planner.decide(view);
        List<String> refusals = decision.actions().stream().map(actuator::refusal).flatMap(Optional::stream)
                .toList();
        if (!refusals.isEmpty()) {
            return new Outcome.Refused(decision, refusals);
        }
        boolean startsOrStops = decision.actions().stream().anyMatch(Action::startsOrStops);
        if (!decision.record().equals(view.recorded()) || startsOrStops) {
            if (!fence.write(decision.record(), startsOrStops ? Optional.of(view.now()) : Optional.empty())) {
                return new Outcome.Conflict(decision);
            }
        }
        decision.actions().forEach(actuator::run);
        return new Outcome.Acted(decision);
    }
}
