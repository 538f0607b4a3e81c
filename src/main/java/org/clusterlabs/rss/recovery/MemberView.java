package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One copy as the operator sees it now. {@code status}, {@code sequence}, {@code hookInFlight},
 * {@code lastStartOrStopAt}, {@code hooksMayRunUntil} and {@code unknownSequenceSince} live in operator memory
 * ({@link HookLedger}) and are empty after an operator restart.
 *
 * @param lastStartOrStopAt when the operator last ran a seed, primary, secondary or stop hook on this copy, or
 *        deleted its pod: observations older than this are stale.
 * @param hookInFlight the hook running on the copy now, of any kind (status probes included)
 * @param hooksMayRunUntil a start or stop hook that the operator stopped waiting for may still run in the pod until
 *        then ({@link Instant#MIN} when none): until a status check that began after it, the copy is uncertain
 * @param roleLabel the pod's role label now
 * @param unknownSequenceSince when the copy's sequence became unknown, for the backoff of the next read
 */
public record MemberView(String pod, int ordinal, boolean podExists, PodPhase phase, boolean podReady,
        boolean nodeReachable, boolean upToDate, Optional<Observed<StatusReport>> status,
        Optional<Observed<SequenceResult>> sequence, Optional<HookKind> hookInFlight,
        Optional<Instant> lastStartOrStopAt, Instant hooksMayRunUntil, Optional<Role> roleLabel,
        Optional<Instant> unknownSequenceSince) {

    public MemberView {
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(sequence, "sequence");
        Objects.requireNonNull(hookInFlight, "hookInFlight");
        Objects.requireNonNull(lastStartOrStopAt, "lastStartOrStopAt");
        Objects.requireNonNull(hooksMayRunUntil, "hooksMayRunUntil");
        Objects.requireNonNull(roleLabel, "roleLabel");
        Objects.requireNonNull(unknownSequenceSince, "unknownSequenceSince");
    }

    /** A copy with no uncertain hook, no role label and no unknown-sequence streak. */
    public MemberView(String pod, int ordinal, boolean podExists, PodPhase phase, boolean podReady,
            boolean nodeReachable, boolean upToDate, Optional<Observed<StatusReport>> status,
            Optional<Observed<SequenceResult>> sequence, Optional<HookKind> hookInFlight,
            Optional<Instant> lastStartOrStopAt) {
        this(pod, ordinal, podExists, phase, podReady, nodeReachable, upToDate, status, sequence, hookInFlight,
                lastStartOrStopAt, Instant.MIN, Optional.empty(), Optional.empty());
    }

    /** The same view without the last start/stop time. */
    public MemberView(String pod, int ordinal, boolean podExists, PodPhase phase, boolean podReady,
            boolean nodeReachable, boolean upToDate, Optional<Observed<StatusReport>> status,
            Optional<Observed<SequenceResult>> sequence, Optional<HookKind> hookInFlight) {
        this(pod, ordinal, podExists, phase, podReady, nodeReachable, upToDate, status, sequence, hookInFlight,
                Optional.empty());
    }

    /** This view with its status as observed at another instant (the rest unchanged). */
    MemberView withStatusAt(Instant at) {
        return new MemberView(pod, ordinal, podExists, phase, podReady, nodeReachable, upToDate,
                status.map(s -> new Observed<>(s.value(), at)), sequence, hookInFlight, lastStartOrStopAt,
                hooksMayRunUntil, roleLabel, unknownSequenceSince);
    }
}
