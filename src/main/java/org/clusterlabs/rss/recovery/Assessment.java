package org.clusterlabs.rss.recovery;

import java.util.Objects;

/**
 * @param reason a CamelCase reason for the conditions
 * @param message a sentence for the user, naming pods and why
 */
public record Assessment(ClusterPhase phase, String reason, String message) {
    public Assessment {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
