package org.clusterlabs.rss.recovery;

/** The Kubernetes pod phase. Only RUNNING pods can run hooks; UNKNOWN means the kubelet lost contact. */
public enum PodPhase {
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    UNKNOWN
}
