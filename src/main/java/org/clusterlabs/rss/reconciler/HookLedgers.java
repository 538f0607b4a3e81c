package org.clusterlabs.rss.reconciler;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.clusterlabs.rss.recovery.HookLedger;

/**
 * This process's {@link HookLedger} of each resource, keyed exactly by namespace and name. It is deliberately not
 * persisted: after a restart every copy is asked for its status again before anything irreversible happens.
 */
@ApplicationScoped
public class HookLedgers {

    private record Key(String namespace, String name) {
    }

    private final Map<Key, HookLedger> ledgers = new ConcurrentHashMap<>();
    private final Map<Key, Instant> orphanHooksEndBy = new ConcurrentHashMap<>();

    public HookLedger of(String namespace, String name) {
        return ledgers.computeIfAbsent(new Key(namespace, name), k -> new HookLedger());
    }

    /**
     * Until when hooks started by an earlier operator process may still run for a resource. Computed once, the first
     * time this process sees the resource, from what the earlier process recorded.
     */
    public Instant orphanHooksEndBy(String namespace, String name, Supplier<Instant> fromRecord) {
        return orphanHooksEndBy.computeIfAbsent(new Key(namespace, name), k -> fromRecord.get());
    }

    public void forget(String namespace, String name) {
        ledgers.remove(new Key(namespace, name));
        orphanHooksEndBy.remove(new Key(namespace, name));
    }

    /** Forgets everything, as an operator restart does. */
    public void forgetAll() {
        ledgers.clear();
        orphanHooksEndBy.clear();
    }

    /** Every ledger, for a shutdown that lists the hooks it abandons. */
    public Map<String, HookLedger> all() {
        Map<String, HookLedger> all = new java.util.TreeMap<>();
        ledgers.forEach((k, v) -> all.put(k.namespace() + "/" + k.name(), v));
        return all;
    }
}
