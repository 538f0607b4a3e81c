package org.clusterlabs.rss.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The role label each pod should carry, as actions of the decision. A label follows the copy's fresh status; without
 * one (after an operator restart, or while a check is due) it stays as it is, so clients keep their primaries. It is
 * removed before a copy is stopped or its pod deleted, and from a pod that is going away. Removals come first.
 * Labels that are set come before removals when the pass has both (a copy joins the client Service before another
 * leaves it: clients never lose two at once for a roll); otherwise after the other actions, so that a label patch
 * never delays the next hook.
 */
final class RoleLabels {

    private RoleLabels() {
    }

    static Decision add(ClusterView view, Decision decision) {
        Set<String> stopping = decision.actions().stream().map(RoleLabels::stopped).flatMap(Optional::stream)
                .collect(Collectors.toSet());
        List<Action> labels = new ArrayList<>();
        for (MemberView v : view.members()) {
            if (!v.podExists()) {
                continue;
            }
            Member m = new Member(v, view.now(), view.spec().statusPeriod(), view.orphanHooksEndBy());
            Optional<Role> wanted;
            if (stopping.contains(v.pod()) || m.terminating()) {
                wanted = Optional.empty();
            } else if (v.nodeReachable() && m.freshStatus().isPresent()) {
                wanted = Role.of(m.freshStatus().get());
            } else {
                wanted = v.roleLabel();
            }
            if (!wanted.equals(v.roleLabel())) {
                labels.add(new Action.Label(v.pod(), wanted));
            }
        }
        if (labels.isEmpty()) {
            return decision;
        }
        List<Action> set = labels.stream().filter(a -> ((Action.Label) a).role().isPresent()).toList();
        List<Action> removed = labels.stream().filter(a -> ((Action.Label) a).role().isEmpty()).toList();
        List<Action> actions = new ArrayList<>();
        if (!removed.isEmpty()) {
            actions.addAll(set);
        }
        actions.addAll(removed);
        actions.addAll(decision.actions());
        if (removed.isEmpty()) {
            actions.addAll(set);
        }
        return new Decision(decision.record(), actions, decision.assessment());
    }

    private static Optional<String> stopped(Action action) {
        if (action instanceof Action.Stop a) {
            return Optional.of(a.pod());
        }
        if (action instanceof Action.RestartMember a) {
            return Optional.of(a.pod());
        }
        if (action instanceof Action.DeletePod a) {
            return Optional.of(a.pod());
        }
        return Optional.empty();
    }
}
