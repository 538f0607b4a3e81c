package org.clusterlabs.rss.recovery;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The election rule: the highest Known sequence wins, ties go to the lowest ordinal. */
final class Election {

    record Candidate(String pod, int ordinal, long sequence) {
    }

    static final Comparator<Candidate> BEST_FIRST = Comparator.comparingLong(Candidate::sequence).reversed()
            .thenComparingInt(Candidate::ordinal);

    private Election() {
    }

    static Optional<Candidate> best(List<Candidate> candidates) {
        return candidates.stream().min(BEST_FIRST);
    }
}
