package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Objects;

/**
 * The seed of an epoch, persisted before its hook runs.
 *
 * @param recordedAt when the latest attempt was recorded (the retry backoff counts from it)
 * @param attempts how many times the seed hook was started in this epoch
 */
public record SeedRecord(String pod, long epoch, long sequence, Instant recordedAt, int attempts, boolean forced) {
    public SeedRecord {
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(recordedAt, "recordedAt");
        if (attempts < 1) {
            throw new IllegalArgumentException("a recorded seed has at least one attempt");
        }
    }
}
