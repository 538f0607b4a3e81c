package org.clusterlabs.rss.recovery;

public enum ClusterPhase {
    PENDING,
    RECOVERING,
    SEEDING,
    RUNNING,
    DEGRADED,
    FAILED
}
