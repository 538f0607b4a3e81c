package org.clusterlabs.rss.recovery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** A member view with the facts the planner derives from it at one instant. */
final class Member {

    private final MemberView view;
    private final Optional<StatusReport> freshStatus;
    private final Instant now;
    private final Duration statusPeriod;
    private final Instant orphanHooksEndBy;

    Member(MemberView view, Instant now, Duration statusPeriod, Instant orphanHooksEndBy) {
        this.view = view;
        this.now = now;
        this.statusPeriod = statusPeriod;
        this.orphanHooksEndBy = orphanHooksEndBy;
        this.freshStatus = view.status().filter(this::isFresh).map(Observed::value);
    }

    MemberView view() {
        return view;
    }

    String pod() {
        return view.pod();
    }

    int ordinal() {
        return view.ordinal();
    }

    boolean busy() {
        return view.hookInFlight().isPresent();
    }

    boolean upToDate() {
        return view.upToDate();
    }

    boolean podExists() {
        return view.podExists();
    }

    boolean canRunHooks() {
        return view.podExists() && view.phase() == PodPhase.RUNNING && view.nodeReachable() && !busy();
    }

    boolean needsStatusCheck() {
        return canRunHooks() && freshStatus.isEmpty();
    }

    Optional<StatusReport> freshStatus() {
        return freshStatus;
    }

    Optional<Instant> statusAt() {
        return view.status().filter(this::isFresh).map(Observed::at);
    }

    /** Reachable and reporting this status now: a pod on an unreachable node is never trusted to be anything. */
    boolean reports(StatusReport report) {
        return view.podExists() && view.nodeReachable() && freshStatus.equals(Optional.of(report));
    }

    boolean runningPrimary() {
        return reports(StatusReport.RUNNING_PRIMARY);
    }

    boolean runningSecondary() {
        return reports(StatusReport.RUNNING_SECONDARY);
    }

    boolean running() {
        return runningPrimary() || runningSecondary();
    }

    boolean failed() {
        return !busy() && reports(StatusReport.FAILED);
    }

    /** Certainly not running: the pod is gone, its containers cannot run, or the status hook says so. */
    boolean knownStopped() {
        if (!view.podExists()) {
            return true;
        }
        if (busy() || !view.nodeReachable()) {
            return false;
        }
        PodPhase phase = view.phase();
        if (phase == PodPhase.PENDING || phase == PodPhase.SUCCEEDED || phase == PodPhase.FAILED) {
            return true;
        }
        return phase == PodPhase.RUNNING && reports(StatusReport.NOT_RUNNING) && !mayBeStartedByOrphanHook();
    }

    /** A start hook of the previous operator process may still bring this copy up after it said NOT_RUNNING. */
    private boolean mayBeStartedByOrphanHook() {
        return statusAt().map(at -> at.isBefore(orphanHooksEndBy)).orElse(false);
    }

    /** Stopped and ready to be started by a hook. */
    boolean startable() {
        return canRunHooks() && reports(StatusReport.NOT_RUNNING) && !mayBeStartedByOrphanHook();
    }

    /** Why this member blocks a lights-out verdict, if it is neither running nor known to be stopped. */
    String whyUnsettled() {
        if (view.podExists() && !view.nodeReachable()) {
            return view.pod() + " is on a node that is not Ready: it may still be running until its pod is deleted";
        }
        if (view.hookInFlight().isPresent()) {
            return "the " + view.hookInFlight().get().name().toLowerCase() + " hook is still running on " + view.pod();
        }
        if (view.phase() == PodPhase.UNKNOWN) {
            return view.pod() + " has pod phase Unknown: it may still be running";
        }
        if (mayBeStartedByOrphanHook()) {
            return "a hook started by the previous operator process may still start " + view.pod() + " until "
                    + orphanHooksEndBy;
        }
        if (freshStatus.equals(Optional.of(StatusReport.FAILED))) {
            return view.pod() + " reported a failed status and is being stopped";
        }
        return view.pod() + " has not reported its status yet";
    }

    /** The latest sequence observed after {@code since} and after the last start or stop. */
    Optional<Observed<SequenceResult>> sequenceSince(Instant since) {
        return view.sequence()
                .filter(o -> !o.at().isBefore(since))
                .filter(o -> view.lastStartOrStopAt().map(o.at()::isAfter).orElse(true));
    }

    /** A sequence recent enough to rank a running or stopped member outside a recovery. */
    Optional<Observed<SequenceResult>> recentSequence() {
        return sequenceSince(now.minus(statusPeriod));
    }

    boolean statusDueSoon() {
        return view.status().map(o -> o.at().isBefore(now.minus(statusPeriod.dividedBy(2)))).orElse(true);
    }

    boolean olderThanPeriod(Observed<?> observed) {
        return observed.at().isBefore(now.minus(statusPeriod));
    }

    private boolean isFresh(Observed<StatusReport> observed) {
        if (olderThanPeriod(observed)) {
            return false;
        }
        if (!now.isBefore(orphanHooksEndBy) && observed.at().isBefore(orphanHooksEndBy)) {
            return false;
        }
        return view.lastStartOrStopAt().map(observed.at()::isAfter).orElse(true);
    }

    @Override
    public String toString() {
        return view.pod();
    }
}
