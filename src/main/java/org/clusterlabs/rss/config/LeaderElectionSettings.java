package org.clusterlabs.rss.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Leader election ({@code rss.leader-election.*}): only the holder of a Lease reconciles, so two operator replicas
 * (a rolling upgrade, a standby) never run hooks on the same copies. Active in the prod profile.
 */
@ConfigMapping(prefix = "rss.leader-election")
public interface LeaderElectionSettings {

    @WithDefault("true")
    boolean enabled();

    @WithDefault("rss-operator-leader")
    String leaseName();

    /** Defaults to the operator's own namespace (its service account's). */
    Optional<String> leaseNamespace();

    /** Defaults to the pod's hostname, i.e. the operator pod's name. */
    Optional<String> identity();

    @WithDefault("15s")
    Duration leaseDuration();

    @WithDefault("10s")
    Duration renewDeadline();

    @WithDefault("2s")
    Duration retryPeriod();
}
