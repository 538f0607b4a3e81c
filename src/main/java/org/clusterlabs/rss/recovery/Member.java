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
    /** A start or stop hook whose end the operator did not see (this process's or an earlier one's) may run until. */
    private final Instant hooksMayRunUntil;

    Member(MemberView view, Instant now, Duration statusPeriod, Instant orphanHooksEndBy) {
        this.view = view;
        this.now = now;
        this.statusPeriod = statusPeriod;
        this.hooksMayRunUntil = view.hooksMayRunUntil().isAfter(orphanHooksEndBy) ? view.hooksMayRunUntil()
                : orphanHooksEndBy;
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

    /** A hook of any kind runs on the copy: no other hook can start there until it ends. */
    boolean busy() {
        return view.hookInFlight().isPresent();
    }

    /** A start or stop hook runs on the copy: whether its app runs is changing. */
    boolean busyChangingTheApp() {
        return view.hookInFlight().filter(HookLedger::changesTheApp).isPresent();
    }

    boolean statusCheckInFlight() {
        return view.hookInFlight().filter(k -> k == HookKind.STATUS).isPresent();
    }

    boolean terminating() {
        return view.phase() == PodPhase.TERMINATING;
    }

    boolean upToDate() {
        return view.upToDate();
    }

    boolean podExists() {
        return view.podExists();
    }

    /** The pod is running on a reachable node and is not going away: a hook could run in it. */
    boolean podCanRunHooks() {
        return view.podExists() && view.phase() == PodPhase.RUNNING && view.nodeReachable();
    }

    /** A hook can start in the copy now: its pod can run hooks and no hook runs there. */
    boolean canRunHooks() {
        return podCanRunHooks() && !busy();
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

    /**
     * Reachable and reporting this status now: a pod on an unreachable node, or one that is going away, is never
     * trusted to be anything (so never a peer).
     */
    boolean reports(StatusReport report) {
        return view.podExists() && view.nodeReachable() && !terminating() && freshStatus.equals(Optional.of(report));
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

    /** Reported FAILED and can be restarted: not while a start or stop hook whose end was not seen may still act. */
    boolean failed() {
        return !busy() && reports(StatusReport.FAILED) && !mayBeChangedByLostHook();
    }

    /** Certainly not running: the pod is gone, its containers cannot run, or the status hook says so. */
    boolean knownStopped() {
        if (!view.podExists()) {
            return true;
        }
        if (busyChangingTheApp() || !view.nodeReachable()) {
            return false;
        }
        PodPhase phase = view.phase();
        if (phase == PodPhase.PENDING || phase == PodPhase.SUCCEEDED || phase == PodPhase.FAILED) {
            return true;
        }
        return phase == PodPhase.RUNNING && reports(StatusReport.NOT_RUNNING) && !mayBeChangedByLostHook();
    }

    /**
     * A start or stop hook whose end was not seen (it timed out, lost its connection, or belonged to an earlier
     * operator process) may still change this copy after its status was read: the copy is uncertain.
     */
    boolean mayBeChangedByLostHook() {
        return statusAt().map(at -> at.isBefore(hooksMayRunUntil)).orElse(false);
    }

    /** Stopped and ready to be started by a hook. */
    boolean startable() {
        return canRunHooks() && reports(StatusReport.NOT_RUNNING) && !mayBeChangedByLostHook();
    }

    /** Why this member blocks a lights-out verdict, if it is neither running nor known to be stopped. */
    String whyUnsettled() {
        if (view.podExists() && !view.nodeReachable()) {
            return view.pod() + " is on a node that is not Ready: it may still be running until its pod is deleted";
        }
        if (terminating()) {
            return "the pod of " + view.pod() + " is terminating: its app may still be running until the pod is gone";
        }
        if (view.hookInFlight().isPresent()) {
            return "the " + view.hookInFlight().get().name().toLowerCase() + " hook is still running on " + view.pod();
        }
        if (view.phase() == PodPhase.UNKNOWN) {
            return view.pod() + " has pod phase Unknown: it may still be running";
        }
        if (mayBeChangedByLostHook()) {
            return "a start or stop hook whose end the operator did not see may still change " + view.pod()
                    + " until " + hooksMayRunUntil + ": it is uncertain until a status check after that";
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

    /**
     * The sequence that ranks this copy for promotion. A copy that reports NOT_RUNNING writes nothing, so a Known
     * reading since its last start or stop still holds however old it is (a serial join does not read every
     * waiting copy again before each promotion). A running copy's reading, and an Unknown (a failed reading, not
     * data), expire after a status period.
     */
    Optional<Observed<SequenceResult>> rankingSequence() {
        Optional<Observed<SequenceResult>> sinceLastChange = sequenceSince(Instant.MIN);
        boolean stillHolds = reports(StatusReport.NOT_RUNNING)
                && sinceLastChange.filter(o -> o.value() instanceof SequenceResult.Known).isPresent();
        return stillHolds ? sinceLastChange : recentSequence();
    }

    boolean statusDueSoon() {
        return view.status().map(o -> o.at().isBefore(now.minus(statusPeriod.dividedBy(2)))).orElse(true);
    }

    boolean olderThanPeriod(Observed<?> observed) {
        return observed.at().isBefore(now.minus(statusPeriod));
    }

    /**
     * An unknown sequence is read again after a backoff that doubles while it stays unknown: one status period at
     * first, at most sixteen.
     */
    boolean unknownSequenceRereadDue(Observed<SequenceResult> unknown) {
        Instant since = view.unknownSequenceSince().orElse(unknown.at());
        Duration streak = Duration.between(since, unknown.at());
        Duration wait = streak.compareTo(statusPeriod) < 0 ? statusPeriod
                : streak.compareTo(statusPeriod.multipliedBy(16)) > 0 ? statusPeriod.multipliedBy(16) : streak;
        return !now.isBefore(unknown.at().plus(wait));
    }

    private boolean isFresh(Observed<StatusReport> observed) {
        if (olderThanPeriod(observed)) {
            return false;
        }
        if (!now.isBefore(hooksMayRunUntil) && observed.at().isBefore(hooksMayRunUntil)) {
            return false;
        }
        return view.lastStartOrStopAt().map(observed.at()::isAfter).orElse(true);
    }

    @Override
    public String toString() {
        return view.pod();
    }
}
