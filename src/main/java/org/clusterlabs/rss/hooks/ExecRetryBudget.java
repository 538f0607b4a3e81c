package org.clusterlabs.rss.hooks;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Duration;

/**
 * Bounds fabric8's retries of the exec WebSocket upgrade (by default they back off for up to about 100 s after a
 * 429 or 5xx), so that a hook cannot start long after the operator stopped waiting for it. Each attempt may take
 * the connect timeout; the backoff doubles from {@link #BACKOFF}.
 *
 * @param retries upgrade attempts after the first
 * @param connectTimeout the connect timeout of each attempt
 */
public record ExecRetryBudget(int retries, Duration connectTimeout) {

    static final Duration BACKOFF = Duration.ofMillis(250);
    public static final ExecRetryBudget DEFAULT = new ExecRetryBudget(2, Duration.ofSeconds(10));

    public ExecRetryBudget {
        if (retries < 0 || retries > 5) {
            throw new IllegalArgumentException("exec upgrade retries must be 0..5: " + retries);
        }
    }

    /** The longest the upgrade can go on: every attempt's connect timeout and every backoff. */
    public Duration total() {
        Duration backoffs = Duration.ZERO;
        for (int i = 0; i < retries; i++) {
            backoffs = backoffs.plus(BACKOFF.multipliedBy(1L << i));
        }
        return connectTimeout.multipliedBy(retries + 1L).plus(backoffs);
    }

    /** A client for exec only, with the same target and credentials, and these retries. */
    KubernetesClient execClient(KubernetesClient client) {
        Config config = new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(retries)
                .withRequestRetryBackoffInterval((int) BACKOFF.toMillis())
                .withConnectionTimeout((int) connectTimeout.toMillis())
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
