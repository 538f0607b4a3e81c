package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Objects;

/** A hook result and the time it was observed. */
public record Observed<T>(T value, Instant at) {
    public Observed {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(at, "at");
    }
}
