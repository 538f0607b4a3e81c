package org.clusterlabs.rss.recovery;

public enum MissingMembersPolicy {
    /** Every replica must report a Known sequence before a seed is elected. */
    WAIT,
    /** After the report timeout, a strict majority of replicas that reported is enough. */
    QUORUM
}
