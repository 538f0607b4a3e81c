package org.clusterlabs.rss.metrics;

import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.Gauge;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.clusterlabs.rss.config.LeaderElectionSettings;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * At startup: {@code rss_operator_info{version, watch_namespaces, leader_election}} (always 1), and the initial
 * value of {@code rss_leader} (1 when this process runs without leader election, so it reconciles from the start;
 * otherwise 0 until the leader-election callbacks say it leads).
 */
@ApplicationScoped
public class OperatorInfoMetrics {

    private static final Logger LOG = Logger.getLogger(OperatorInfoMetrics.class);
    static final String ALL_NAMESPACES = "JOSDK_ALL_NAMESPACES";

    void onStart(@Observes StartupEvent event, RssMetrics metrics, LeaderElectionSettings election) {
        Config config = ConfigProvider.getConfig();
        String version = config.getOptionalValue("quarkus.application.version", String.class).orElse("unknown");
        boolean electing = election.enabled() && electionActiveInProfile(config);
        if (!electing) {
            // It reconciles from the start. When it elects, rss_leader stays as the callbacks set it: they may
            // have run before this observer.
            metrics.leading(true);
        }
        Gauge.builder(RssMetrics.INFO, () -> 1)
                .description("The operator's version and watch scope; always 1")
                .tag("version", version)
                .tag("watch_namespaces", watchedNamespaces(config))
                .tag("leader_election", Boolean.toString(electing))
                .register(metrics.registry());
    }

    private static boolean electionActiveInProfile(Config config) {
        List<String> active = config.getOptionalValues("quarkus.operator-sdk.activate-leader-election-for-profiles",
                String.class).orElse(List.of("prod"));
        return ConfigUtils.getProfiles().stream().anyMatch(active::contains);
    }

    /** What the controller really watches (from the running Operator), else what the configuration says. */
    static String watchedNamespaces(Config config) {
        try (InstanceHandle<Operator> operator = Arc.container().instance(Operator.class)) {
            if (operator.isAvailable()) {
                Set<String> namespaces = new TreeSet<>();
                operator.get().getRegisteredControllers().forEach(c -> namespaces.addAll(
                        c.getConfiguration().getInformerConfig().getNamespaces()));
                if (!namespaces.isEmpty()) {
                    return String.join(",", namespaces);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("could not read the watched namespaces from the Operator", e);
        }
        return config.getOptionalValue("quarkus.operator-sdk.controllers.replicatedstatefulset.namespaces",
                        String.class)
                .or(() -> config.getOptionalValue("quarkus.operator-sdk.namespaces", String.class))
                .orElse(ALL_NAMESPACES);
    }
}
