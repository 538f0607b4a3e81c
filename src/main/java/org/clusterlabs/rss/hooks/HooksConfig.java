package org.clusterlabs.rss.hooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Operator-wide settings of the hook runner ({@code rss.hooks.*}). */
@ConfigMapping(prefix = "rss.hooks")
public interface HooksConfig {

    /**
     * At most this many hooks run at the same time, over all resources: it protects the operator (open exec
     * streams), not one resource's recovery, which runs a whole step at once unless its spec.hooks.maxConcurrent
     * says otherwise.
     */
    @WithDefault("128")
    int maxConcurrent();

    /** Bytes read per output stream (stdout, stderr); past it the exec is closed and the hook fails. */
    @WithDefault("65536")
    int outputCapBytes();

    /**
     * Retries of an exec's WebSocket upgrade after a 429, a 5xx or a connection error (0 to 5). With the connect
     * timeout they bound how late a hook can start after its timeout (see docs/hooks.md).
     */
    @WithDefault("2")
    int execUpgradeRetries();

    /** The connect timeout of each exec upgrade attempt. */
    @WithDefault("10s")
    java.time.Duration execConnectTimeout();
}
