package org.clusterlabs.rss.recovery;

public enum PrimaryStartPolicy {
    /** One primary at a time; the next starts once the previous one reports RUNNING_PRIMARY. */
    SERIAL,
    PARALLEL
}
