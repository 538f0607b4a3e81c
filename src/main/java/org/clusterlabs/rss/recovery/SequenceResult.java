package org.clusterlabs.rss.recovery;

/**
 * What a copy's sequence hook told us. An {@link Unknown} is never a number: it is never compared with, or
 * defaulted to, a Known value.
 */
public sealed interface SequenceResult {

    record Known(long value) implements SequenceResult {
        public Known {
            if (value < 0) {
                throw new IllegalArgumentException("a known sequence is never negative: " + value);
            }
        }
    }

    record Unknown(String reason) implements SequenceResult {
        public Unknown {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("an unknown sequence needs a reason a user can read");
            }
        }
    }
}
