package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.function.UnaryOperator;

/**
 * An informer store that keeps only what the operator reads of each object. On a real cluster a pod's
 * managedFields, and a node's image list, addresses and capacity, are most of their size; the operator reads
 * neither, and holds every pod it owns and every node.
 */
final class PrunedStore<T extends HasMetadata> extends BasicItemStore<T> {

    private final UnaryOperator<T> prune;

    private PrunedStore(UnaryOperator<T> prune) {
        super(Cache::metaNamespaceKeyFunc);
        this.prune = prune;
    }

    /** Pods without managedFields: the operator reads their labels, phase, conditions, node and containers. */
    static PrunedStore<Pod> pods() {
        return new PrunedStore<>(pod -> {
            pod.getMetadata().setManagedFields(null);
            return pod;
        });
    }

    /** Nodes as their name and Ready condition: fencing asks only whether a node is Ready. */
    static PrunedStore<Node> nodes() {
        return new PrunedStore<>(node -> {
            // (annotations stay: JOSDK's event handler reads them on the very object the store keeps)
            node.getMetadata().setManagedFields(null);
            NodeStatus status = new NodeStatus();
            if (node.getStatus() != null && node.getStatus().getConditions() != null) {
                status.setConditions(node.getStatus().getConditions().stream()
                        .filter(c -> "Ready".equals(c.getType())).toList());
            }
            node.setStatus(status);
            return node;
        });
    }

    @Override
    public T put(String key, T obj) {
        return super.put(key, prune.apply(obj));
    }
}
