package org.clusterlabs.rss.hooks;

import java.util.Locale;

/** The hooks of the contract (docs/hooks.md). {@link #tag()} is the value of the {@code hook} metric tag. */
public enum HookName {
    SEQUENCE,
    SEED,
    PRIMARY,
    SECONDARY,
    STATUS,
    STOP;

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
