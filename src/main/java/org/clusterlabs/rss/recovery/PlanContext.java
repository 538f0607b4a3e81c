package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** The inputs of one decision and the record and actions it is building. */
final class PlanContext {

    final ClusterView view;
    final PlannerSpec spec;
    final Instant now;
    final List<Member> members;
    final RecordDraft record;
    final List<Action> actions = new ArrayList<>();

    PlanContext(ClusterView view) {
        this.view = view;
        this.spec = view.spec();
        this.now = view.now();
        this.members = view.members().stream().map(m -> new Member(m, view.now(), view.spec().statusPeriod(), view.orphanHooksEndBy()))
                .toList();
        this.record = new RecordDraft(view.recorded());
    }

    List<Member> members(Predicate<Member> filter) {
        return members.stream().filter(filter).toList();
    }

    Optional<Member> member(String pod) {
        return members.stream().filter(m -> m.pod().equals(pod)).findFirst();
    }

    boolean wanted(Member member) {
        return member.ordinal() < spec.replicas();
    }

    void add(Action action) {
        actions.add(action);
    }

    Decision decide(ClusterPhase phase, String reason, String message) {
        return new Decision(record.build(), actions, new Assessment(phase, reason, message));
    }

    static List<String> pods(List<Member> members) {
        return members.stream().map(Member::pod).toList();
    }

    static String names(List<Member> members) {
        return String.join(", ", pods(members));
    }
}
