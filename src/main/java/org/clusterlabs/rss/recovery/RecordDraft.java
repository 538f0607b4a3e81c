package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/** The record a decision will ask the reconciler to persist, built up step by step. */
final class RecordDraft {

    long epoch;
    Optional<SeedRecord> seed;
    OptionalLong highWaterMark;
    int lastRunningMembers;
    final TreeMap<String, Integer> failures;
    Optional<String> consumedForceSeed;
    Optional<Instant> recoveryStartedAt;

    RecordDraft(RecordedState recorded) {
        epoch = recorded.epoch();
        seed = recorded.seed();
        highWaterMark = recorded.highWaterMark();
        lastRunningMembers = recorded.lastRunningMembers();
        failures = new TreeMap<>(recorded.failures());
        consumedForceSeed = recorded.consumedForceSeed();
        recoveryStartedAt = recorded.recoveryStartedAt();
    }

    RecordedState build() {
        return new RecordedState(epoch, seed, highWaterMark, lastRunningMembers, failures, consumedForceSeed,
                recoveryStartedAt);
    }

    int failuresOf(String pod) {
        return failures.getOrDefault(pod, 0);
    }

    void setFailures(String pod, int count) {
        if (count == 0) {
            failures.remove(pod);
        } else {
            failures.put(pod, count);
        }
    }

    /** A seed recorded before this recovery began was confirmed running: only one recorded since is pending. */
    Optional<SeedRecord> pendingSeed() {
        return recoveryStartedAt.flatMap(start -> seed.filter(s -> s.epoch() == epoch)
                .filter(s -> !s.recordedAt().isBefore(start)));
    }

    /** Opens a new epoch whose seed is recorded here, before its hook runs. */
    SeedRecord openEpoch(String pod, long sequence, Instant now, boolean forced) {
        epoch = epoch + 1;
        SeedRecord record = new SeedRecord(pod, epoch, sequence, now, 1, forced);
        seed = Optional.of(record);
        // A forced seed below the mark accepts the loss: the mark follows it, or every later recovery would refuse.
        highWaterMark = OptionalLong.of(forced ? sequence : Math.max(sequence, highWaterMark.orElse(sequence)));
        return record;
    }
}
