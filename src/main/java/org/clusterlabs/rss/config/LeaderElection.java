package org.clusterlabs.rss.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import java.time.ZonedDateTime;
import java.util.UUID;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.jboss.logging.Logger;

/** The Lease configuration that the Quarkus Operator SDK picks up (in the profiles where it activates election). */
public class LeaderElection {

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    /**
     * Dependent scope because "disabled" is a null configuration: the SDK then starts the controllers at once.
     *
     * <p>A replica that stops leading gives the Lease back (so that a rollout hands over at once instead of after the
     * lease duration) and exits, so that it can never act beside the new leader. The SDK's own exit-on-stop calls
     * {@code System.exit} on the thread that stops it, which during a SIGTERM is the shutdown itself: the process
     * then never ends. Here the exit runs on a thread of its own, which a shutdown in progress simply outlives.
     */
    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(LeaderElectionSettings settings, KubernetesClient client) {
        if (!settings.enabled()) {
            return null;
        }
        String identity = settings.identity().or(() -> java.util.Optional.ofNullable(System.getenv("HOSTNAME")))
                .filter(s -> !s.isBlank()).orElseGet(() -> UUID.randomUUID().toString());
        String namespace = settings.leaseNamespace().orElseGet(client::getNamespace);
        LeaderElectionConfigurationBuilder builder = LeaderElectionConfigurationBuilder
                .aLeaderElectionConfiguration(settings.leaseName())
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withIdentity(identity)
                .withExitOnStopLeading(false)
                .withLeaderCallbacks(new LeaderCallbacks(() -> metrics().leading(true), () -> {
                    metrics().leading(false);
                    release(client, namespace, settings.leaseName(), identity);
                    exitOnItsOwnThread();
                }, leader -> { }));
        if (namespace != null) {
            builder.withLeaseNamespace(namespace);
        }
        return builder.build();
    }

    /** Looked up when leadership changes, long after start-up: the producer itself runs before the meters exist. */
    private static RssMetrics metrics() {
        return io.quarkus.arc.Arc.container().instance(RssMetrics.class).get();
    }

    /** Gives the Lease back if this replica still holds it, as client-go's ReleaseOnCancel does. */
    static void release(KubernetesClient client, String namespace, String name, String identity) {
        if (namespace == null) {
            return;
        }
        try {
            client.leases().inNamespace(namespace).withName(name).edit(lease -> {
                if (lease.getSpec() != null && identity.equals(lease.getSpec().getHolderIdentity())) {
                    lease.getSpec().setHolderIdentity("");
                    lease.getSpec().setLeaseDurationSeconds(1);
                    lease.getSpec().setRenewTime(ZonedDateTime.now());
                }
                return lease;
            });
            LOG.infof("released the Lease %s/%s held by %s", namespace, name, identity);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not release the Lease %s/%s: %s", namespace, name, e.getMessage());
        }
    }

    private static void exitOnItsOwnThread() {
        LOG.info("stopped leading: exiting, so that this replica never acts beside the new leader");
        Thread exit = new Thread(() -> System.exit(1), "rss-exit-on-stop-leading");
        exit.setDaemon(true);
        exit.start();
    }
}
