package org.clusterlabs.rss.recovery;

/** The role a running copy has, as its pod's role label shows it to the client Service. */
public enum Role {
    PRIMARY,
    SECONDARY;

    public static java.util.Optional<Role> of(StatusReport report) {
        return switch (report) {
            case RUNNING_PRIMARY -> java.util.Optional.of(PRIMARY);
            case RUNNING_SECONDARY -> java.util.Optional.of(SECONDARY);
            default -> java.util.Optional.empty();
        };
    }
}
