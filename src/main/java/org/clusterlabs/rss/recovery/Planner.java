package org.clusterlabs.rss.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pure recovery planner: given what the operator sees and what it recorded, the next actions. Stateless and
 * deterministic; it reads the time only from the view.
 */
public final class Planner {

    public Decision decide(ClusterView view) {
        return RoleLabels.add(view, decide(view, true));
    }

    private Decision decide(ClusterView view, boolean mayAssessFromLastStatus) {
        PlanContext ctx = new PlanContext(view);
        if (view.forceSeedPod().isEmpty()) {
            // The annotation is gone: a later request may name the same pod again.
            ctx.record.consumedForceSeed = Optional.empty();
        }

        for (Member m : ctx.members) {
            if (m.running()) {
                ctx.record.setFailures(m.pod(), 0);
            }
        }

        // After an operator restart every status is empty: nothing is decided before every copy has answered.
        List<Member> unchecked = ctx.members(Member::needsStatusCheck);
        List<Member> beingChecked = ctx.members(m -> m.statusCheckInFlight() && m.podCanRunHooks()
                && m.freshStatus().isEmpty());
        if (!unchecked.isEmpty() || !beingChecked.isEmpty()) {
            // Statuses due within half a period are checked too, so that checks come in rounds and leave room
            // for decisions between them; the ones this decision waits for are asked first.
            List<Member> round = new ArrayList<>(unchecked);
            round.addAll(ctx.members(m -> !m.needsStatusCheck() && m.canRunHooks() && m.statusDueSoon()));
            unchecked = round;
            List<Action> checks = unchecked.isEmpty() ? List.of()
                    : List.of(new Action.CheckStatus(PlanContext.pods(unchecked)));
            List<Member> awaited = new ArrayList<>(unchecked);
            awaited.addAll(beingChecked);
            if (mayAssessFromLastStatus && onlyPeriodicRefresh(view, awaited)) {
                // A routine re-check of a settled cluster: act on nothing stale, but describe the cluster as it
                // was last seen, so that a periodic probe does not flap the phase (and write status) every period.
                Decision asLastSeen = decide(asIfJustObserved(view), false);
                return new Decision(ctx.record.build(), checks, asLastSeen.assessment());
            }
            checks.forEach(ctx::add);
            return ctx.decide(phaseWhileChecking(view), "CheckingStatus",
                    "Asking the status hook of " + PlanContext.names(awaited)
                            + " before deciding anything: their last status is missing or out of date.");
        }

        restartFailedMembers(ctx);

        if (!ctx.members(Member::runningPrimary).isEmpty()) {
            return new RunningCluster(ctx).plan();
        }
        List<Member> unsettled = ctx.members(m -> !m.knownStopped() && !(m.runningSecondary() && !m.busy()));
        if (!unsettled.isEmpty()) {
            for (Member m : unsettled) {
                if (!m.failed()) {
                    ctx.add(new Action.WaitFor(List.of(m.pod()), m.whyUnsettled()));
                }
            }
            return ctx.decide(ClusterPhase.RECOVERING, "WaitingForMembersToSettle",
                    "No primary is known to run, but " + PlanContext.names(unsettled)
                            + " may still be running, so no seed is chosen yet: "
                            + String.join("; ", unsettled.stream().map(Member::whyUnsettled).toList()) + ".");
        }
        List<Member> orphanSecondaries = ctx.members(m -> m.runningSecondary() && !m.busy());
        if (!orphanSecondaries.isEmpty()) {
            for (Member m : orphanSecondaries) {
                ctx.add(new Action.Stop(m.pod(), "no primary runs, so secondary " + m.pod()
                        + " is stopped before the copies are recovered"));
            }
            return ctx.decide(ClusterPhase.RECOVERING, "StoppingOrphanSecondaries",
                    "No primary runs: stopping secondaries " + PlanContext.names(orphanSecondaries)
                            + " so that the most up-to-date copy can be elected.");
        }
        return new LightsOutRecovery(ctx).plan();
    }

    /** A failed copy is stopped (and later restarted); after failureThreshold failures in a row its pod is deleted. */
    private static void restartFailedMembers(PlanContext ctx) {
        for (Member m : ctx.members(Member::failed)) {
            int failures = ctx.record.failuresOf(m.pod()) + 1;
            if (failures >= ctx.spec.failureThreshold()) {
                ctx.record.setFailures(m.pod(), 0);
                ctx.add(new Action.DeletePod(m.pod(), m.pod() + " failed its status check " + failures
                        + " times in a row; deleting its pod so that it is recreated"));
            } else {
                ctx.record.setFailures(m.pod(), failures);
                ctx.add(new Action.RestartMember(m.pod(), "the status hook of " + m.pod() + " reported a failure ("
                        + failures + " of " + ctx.spec.failureThreshold() + " before its pod is deleted)"));
            }
        }
    }

    /**
     * A check does not make a running cluster look new: while a primary was last seen running (a member just
     * started or stopped, say), the cluster is Degraded until the check answers, not Pending.
     */
    private static ClusterPhase phaseWhileChecking(ClusterView view) {
        if (view.recorded().recoveryStartedAt().isPresent()) {
            return ClusterPhase.RECOVERING;
        }
        boolean primaryLastSeenRunning = view.members().stream().anyMatch(m -> m.podExists()
                && m.status().map(s -> s.value() == StatusReport.RUNNING_PRIMARY).orElse(false));
        return primaryLastSeenRunning ? ClusterPhase.DEGRADED : ClusterPhase.PENDING;
    }

    /**
     * Every copy to re-check has a status that only aged: no start, stop or pod change since it was observed, and
     * no recovery is in progress.
     */
    private static boolean onlyPeriodicRefresh(ClusterView view, List<Member> unchecked) {
        if (view.recorded().recoveryStartedAt().isPresent()) {
            return false;
        }
        List<String> pods = PlanContext.pods(unchecked);
        return view.members().stream().filter(m -> pods.contains(m.pod())).allMatch(m -> m.status()
                .filter(s -> m.lastStartOrStopAt().map(at -> !s.at().isBefore(at)).orElse(true))
                .filter(s -> !s.at().isBefore(view.orphanHooksEndBy()) && !s.at().isBefore(m.hooksMayRunUntil()))
                .isPresent());
    }

    private static ClusterView asIfJustObserved(ClusterView view) {
        List<MemberView> members = view.members().stream().map(m -> m.withStatusAt(view.now())).toList();
        return new ClusterView(view.spec(), view.statefulSetReplicas(), members, view.recorded(),
                view.forceSeedPod(), view.now(), view.orphanHooksEndBy());
    }
}
