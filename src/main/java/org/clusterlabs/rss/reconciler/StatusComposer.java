package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.recovery.Assessment;
import org.clusterlabs.rss.recovery.ClusterPhase;
import org.clusterlabs.rss.recovery.ClusterView;
import org.clusterlabs.rss.recovery.Decision;
import org.clusterlabs.rss.recovery.MemberView;
import org.clusterlabs.rss.recovery.HookLedger;
import org.clusterlabs.rss.recovery.Observed;
import org.clusterlabs.rss.recovery.PodPhase;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.clusterlabs.rss.resources.Labels;

/**
 * Writes what a user needs into status: the phase and conditions from the planner's assessment, one entry per
 * copy, and the durable record. Only values that change with the cluster go in, so an idle pass writes nothing.
 */
final class StatusComposer {

    private StatusComposer() {
    }

    static void compose(ReplicatedStatefulSetStatus status, ReplicatedStatefulSet rss, ClusterView view,
            Decision decision, HookLedger ledger, Optional<StatefulSet> sts, Instant now) {
        Long generation = rss.getMetadata().getGeneration();
        Assessment assessment = decision.assessment();
        status.setObservedGeneration(generation);
        status.setPhase(phase(assessment.phase()));
        ClusterPhase p = assessment.phase();
        status.setConditions(Conditions.with(status.getConditions(), Conditions.READY, p == ClusterPhase.RUNNING,
                assessment.reason(), assessment.message(), generation, now));
        status.setConditions(Conditions.with(status.getConditions(), Conditions.RECOVERING,
                p == ClusterPhase.RECOVERING || p == ClusterPhase.SEEDING, assessment.reason(), assessment.message(),
                generation, now));
        status.setConditions(Conditions.with(status.getConditions(), Conditions.DEGRADED,
                p == ClusterPhase.DEGRADED || p == ClusterPhase.FAILED, assessment.reason(), assessment.message(),
                generation, now));

        List<MemberStatus> members = new ArrayList<>();
        int running = 0;
        int primaries = 0;
        for (MemberView view1 : view.members()) {
            MemberStatus m = member(view1, ledger, now);
            members.add(m);
            // a Terminating pod is going away: its last report (observed before the deletion) is not counted
            StatusReport report = view1.phase() == PodPhase.TERMINATING ? null
                    : view1.status().map(Observed::value).orElse(null);
            if (report != null && report.isRunning() && view1.ordinal() < rss.getSpec().replicasOrZero()) {
                running++;
            }
            if (report == StatusReport.RUNNING_PRIMARY) {
                primaries++;
            }
        }
        status.setMembers(members);
        RecordedStates.write(decision.record(), status);

        int desired = rss.getSpec().replicasOrZero();
        status.setReplicas(sts.map(s -> s.getStatus() == null || s.getStatus().getReplicas() == null ? 0
                : s.getStatus().getReplicas()).orElse(0));
        status.setReadyReplicas(running);
        status.setReady(running + "/" + desired);
        status.setPrimaries(primaries);
        status.setSelector(Labels.selectorString(rss));
    }

    private static MemberStatus member(MemberView view, HookLedger ledger, Instant now) {
        MemberStatus m = new MemberStatus();
        m.setPod(view.pod());
        m.setOrdinal(view.ordinal());
        m.setRole(view.status().map(s -> role(s.value())).orElse(view.podExists() ? "Unknown" : "Absent"));
        view.sequence().map(Observed::value).ifPresent(s -> {
            if (s instanceof SequenceResult.Known k) {
                m.setSequence(k.value());
            } else {
                m.setMessage(((SequenceResult.Unknown) s).reason());
            }
        });
        ledger.knowledge(view.pod()).lastHook()
                .ifPresent(h -> {
                    m.setLastHook(h.hook().tag());
                    m.setLastHookOutcome(h.outcome());
                    m.setLastHookTime(h.at().toString());
                    if (m.getMessage() == null) {
                        m.setMessage(h.message());
                    }
                });
        if (!view.nodeReachable()) {
            m.setMessage("its node is not Ready: it may still be running, so it is never counted as stopped");
        } else if (view.phase() == PodPhase.TERMINATING) {
            m.setMessage("its pod is terminating: it may still be running until the pod is gone");
        } else if (now.isBefore(view.hooksMayRunUntil())) {
            m.setMessage("uncertain: a start or stop hook the operator stopped waiting for may still run until "
                    + view.hooksMayRunUntil() + "; a status check after that decides");
        }
        return m;
    }

    static String role(StatusReport report) {
        return switch (report) {
            case RUNNING_PRIMARY -> "Primary";
            case RUNNING_SECONDARY -> "Secondary";
            case NOT_RUNNING -> "Stopped";
            case FAILED -> "Failed";
        };
    }

    private static Phase phase(ClusterPhase phase) {
        return switch (phase) {
            case PENDING -> Phase.Pending;
            case RECOVERING -> Phase.Recovering;
            case SEEDING -> Phase.Seeding;
            case RUNNING -> Phase.Running;
            case DEGRADED -> Phase.Degraded;
            case FAILED -> Phase.Failed;
        };
    }
}
