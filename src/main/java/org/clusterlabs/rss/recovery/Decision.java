package org.clusterlabs.rss.recovery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The planner's answer. The reconciler persists {@code record} first and runs {@code actions} only once that
 * write succeeded; on a write conflict it drops the actions and asks again.
 */
public record Decision(RecordedState record, List<Action> actions, Assessment assessment) {
    public Decision {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(assessment, "assessment");
        actions = List.copyOf(actions);
    }

    public <A extends Action> List<A> actionsOf(Class<A> type) {
        return actions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public Optional<Action.Seed> seed() {
        return actionsOf(Action.Seed.class).stream().findFirst();
    }
}
