package org.clusterlabs.rss.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Operator-wide settings ({@code rss.recovery.*}); the hook runner's are under {@code rss.hooks.*}. */
@ConfigMapping(prefix = "rss.recovery")
public interface OperatorConfig {

    /** The first wait before a failed seed is retried on the same copy; it grows with each attempt. */
    @WithDefault("5s")
    Duration seedRetryBackoff();
}
