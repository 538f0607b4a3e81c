package org.clusterlabs.rss.config;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import org.clusterlabs.rss.metrics.RssMetrics;

/** The Lease configuration that the Quarkus Operator SDK picks up (in the profiles where it activates election). */
public class LeaderElection {

    /**
     * Dependent scope because "disabled" is a null configuration: the SDK then starts the controllers at once.
     * A replica that loses the Lease exits (the SDK's default), so that it can never act beside the new leader.
     */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(LeaderElectionSettings settings, RssMetrics metrics) {
        if (!settings.enabled()) {
            return null;
        }
        LeaderElectionConfigurationBuilder builder = LeaderElectionConfigurationBuilder
                .aLeaderElectionConfiguration(settings.leaseName())
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withExitOnStopLeading(true)
                .withLeaderCallbacks(metrics.leaderCallbacks()); // rss_leader
        settings.leaseNamespace().ifPresent(builder::withLeaseNamespace);
        settings.identity().ifPresent(builder::withIdentity);
        return builder.build();
    }
}
