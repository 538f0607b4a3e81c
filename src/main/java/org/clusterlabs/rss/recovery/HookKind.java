package org.clusterlabs.rss.recovery;

public enum HookKind {
    SEQUENCE,
    SEED,
    PRIMARY,
    SECONDARY,
    STATUS,
    STOP;

    /** The value of the {@code hook} metric tag and the name in status and logs. */
    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A hook that may leave the app running when it ends, even when it reports a failure. */
    public boolean starts() {
        return this == SEED || this == PRIMARY || this == SECONDARY;
    }
}
