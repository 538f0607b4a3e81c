package org.clusterlabs.rss.recovery;

/**
 * The Kubernetes pod phase. Only RUNNING pods can run hooks; UNKNOWN means the kubelet lost contact. TERMINATING is
 * a pod with a deletionTimestamp, whatever its phase: it is going away, and until it is gone its app may still run.
 */
public enum PodPhase {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    UNKNOWN,
    TERMINATING
}
