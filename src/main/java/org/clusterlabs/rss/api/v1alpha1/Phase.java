package org.clusterlabs.rss.api.v1alpha1;

public enum Phase {
    Pending,
    Recovering,
    Seeding,
    Running,
    Degraded,
    Paused,
    Failed
}
