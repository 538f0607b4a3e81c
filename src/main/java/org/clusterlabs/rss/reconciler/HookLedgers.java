package org.clusterlabs.rss.reconciler;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.clusterlabs.rss.recovery.HookLedger;

/**
 * This process's {@link HookLedger} of each resource, keyed exactly by namespace and name. It is deliberately not
 * persisted: after a restart every copy is asked for its status again before anything irreversible happens.
 */
@ApplicationScoped
public class HookLedgers {

    private static final Logger LOG = Logger.getLogger(HookLedgers.class);

    private record Key(String namespace, String name) {
    }

    private final Map<Key, HookLedger> ledgers = new ConcurrentHashMap<>();

    public HookLedger of(String namespace, String name) {
        return ledgers.computeIfAbsent(new Key(namespace, name), k -> new HookLedger());
    }

    public void forget(String namespace, String name) {
        ledgers.remove(new Key(namespace, name));
    }

    /** Forgets everything, as an operator restart does. */
    public void forgetAll() {
        ledgers.clear();
    }

    /**
     * On shutdown the hooks still running are abandoned: a real kubelet lets them run on. The next process treats
     * them as orphans (from the last start recorded in status), so they are only logged here.
     */
    void onShutdown(@Observes ShutdownEvent event) {
        ledgers.forEach((key, ledger) -> ledger.inFlight().forEach(t -> LOG.warnf(
                "shutting down while the %s hook started at %s runs on %s/%s (resource %s): it is abandoned and may"
                        + " run on; the next operator process waits for it", t.kind().tag(), t.startedAt(),
                key.namespace(), t.pod(), key.name())));
    }
}
