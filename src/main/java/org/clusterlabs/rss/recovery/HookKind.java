package org.clusterlabs.rss.recovery;

public enum HookKind {
    SEQUENCE,
    SEED,
    PRIMARY,
    SECONDARY,
    STATUS,
    STOP;

    /** A hook that may leave the app running when it ends, even when it reports a failure. */
    public boolean starts() {
        return this == SEED || this == PRIMARY || this == SECONDARY;
    }
}
