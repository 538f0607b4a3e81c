package org.clusterlabs.rss.recovery;

import java.time.Duration;
import java.util.Objects;

/** The part of the user's spec the planner needs. */
public record PlannerSpec(int replicas, int primaries, MissingMembersPolicy whenMembersMissing,
        PrimaryStartPolicy primaryStart, Duration reportTimeout, int failureThreshold, int seedRetries,
        Duration seedRetryBackoff, Duration statusPeriod) {

    public PlannerSpec {
        if (replicas < 0 || primaries < 0) {
            throw new IllegalArgumentException("replicas and primaries are never negative");
        }
        if (failureThreshold < 1 || seedRetries < 0) {
            throw new IllegalArgumentException("failureThreshold >= 1 and seedRetries >= 0");
        }
        Objects.requireNonNull(whenMembersMissing, "whenMembersMissing");
        Objects.requireNonNull(primaryStart, "primaryStart");
        Objects.requireNonNull(reportTimeout, "reportTimeout");
        Objects.requireNonNull(seedRetryBackoff, "seedRetryBackoff");
        Objects.requireNonNull(statusPeriod, "statusPeriod");
    }

    /** How many of the wanted copies run as primaries: at least one whenever any copy is wanted. */
    public int wantedPrimaries() {
        if (replicas == 0) {
            return 0;
        }
        return Math.max(1, Math.min(primaries, replicas));
    }
}
