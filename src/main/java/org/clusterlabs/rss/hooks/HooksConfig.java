package org.clusterlabs.rss.hooks;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Operator-wide settings of the hook runner ({@code rss.hooks.*}). */
@ConfigMapping(prefix = "rss.hooks")
public interface HooksConfig {

    /** At most this many hooks run at the same time, over all resources. */
    @WithDefault("32")
    int maxConcurrent();

    /** At most this many hooks of one ReplicatedStatefulSet run at the same time. */
    @WithDefault("8")
    int maxConcurrentPerResource();

    /** Bytes kept per output stream (stdout, stderr); the rest is counted and dropped. */
    @WithDefault("65536")
    int outputCapBytes();
}
