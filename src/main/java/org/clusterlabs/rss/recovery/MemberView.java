package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One copy as the operator sees it now. {@code status}, {@code sequence}, {@code hookInFlight} and
 * {@code lastStartOrStopAt} live in operator memory and are empty after an operator restart.
 *
 * @param lastStartOrStopAt when the operator last ran a seed, primary, secondary or stop hook on this copy, or
 *        deleted its pod: observations older than this are stale.
 */
public record MemberView(String pod, int ordinal, boolean podExists, PodPhase phase, boolean podReady,
        boolean nodeReachable, boolean upToDate, Optional<Observed<StatusReport>> status,
        Optional<Observed<SequenceResult>> sequence, Optional<HookKind> hookInFlight,
        Optional<Instant> lastStartOrStopAt) {

    public MemberView {
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(sequence, "sequence");
        Objects.requireNonNull(hookInFlight, "hookInFlight");
        Objects.requireNonNull(lastStartOrStopAt, "lastStartOrStopAt");
    }

    /** The same view without the last start/stop time, for a reconciler that forgets observations instead. */
    public MemberView(String pod, int ordinal, boolean podExists, PodPhase phase, boolean podReady,
            boolean nodeReachable, boolean upToDate, Optional<Observed<StatusReport>> status,
            Optional<Observed<SequenceResult>> sequence, Optional<HookKind> hookInFlight) {
        this(pod, ordinal, podExists, phase, podReady, nodeReachable, upToDate, status, sequence, hookInFlight,
                Optional.empty());
    }
}
