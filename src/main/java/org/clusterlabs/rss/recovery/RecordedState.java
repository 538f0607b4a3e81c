package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the operator persists in the custom resource's status: its only memory across restarts.
 *
 * @param lastRunningMembers the most copies seen running since the last completed scale-down
 * @param failures consecutive failures per pod; absent means zero
 * @param recoveryStartedAt when the current lights-out recovery began; empty when no recovery is in progress. The
 *        quorum timeout counts from it, and a seed of the current epoch is pending while it is set.
 */
public record RecordedState(long epoch, Optional<SeedRecord> seed, OptionalLong highWaterMark,
        int lastRunningMembers, Map<String, Integer> failures, Optional<String> consumedForceSeed,
        Optional<Instant> recoveryStartedAt) {

    public RecordedState {
        Objects.requireNonNull(seed, "seed");
        Objects.requireNonNull(highWaterMark, "highWaterMark");
        Objects.requireNonNull(consumedForceSeed, "consumedForceSeed");
        Objects.requireNonNull(recoveryStartedAt, "recoveryStartedAt");
        failures = Map.copyOf(failures);
    }

    /** The brief's shape, without a recovery in progress. */
    public RecordedState(long epoch, Optional<SeedRecord> seed, OptionalLong highWaterMark, int lastRunningMembers,
            Map<String, Integer> failures, Optional<String> consumedForceSeed) {
        this(epoch, seed, highWaterMark, lastRunningMembers, failures, consumedForceSeed, Optional.empty());
    }

    public static RecordedState initial() {
        return new RecordedState(0, Optional.empty(), OptionalLong.empty(), 0, Map.of(), Optional.empty(),
                Optional.empty());
    }

    public int failuresOf(String pod) {
        return failures.getOrDefault(pod, 0);
    }

    /** The seed recorded during the current recovery, not yet seen running as primary. */
    public Optional<SeedRecord> pendingSeed() {
        return recoveryStartedAt.flatMap(start -> seed.filter(s -> s.epoch() == epoch)
                .filter(s -> !s.recordedAt().isBefore(start)));
    }
}
