package org.clusterlabs.rss.resources;

import java.util.LinkedHashMap;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/** The labels the operator puts on everything it owns, and the role label the client Service selects. */
public final class Labels {

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String OPERATOR = "rss-operator";

    /** Set on a pod by the operator once the copy runs in a role; the client Service selects {@link #PRIMARY}. */
    public static final String ROLE = "rss.clusterlabs.org/role";
    public static final String PRIMARY = "primary";
    public static final String SECONDARY = "secondary";

    private Labels() {
    }

    /** Labels that identify the copies of one resource: stable, so they can be a StatefulSet selector. */
    public static Map<String, String> selector(ReplicatedStatefulSet rss) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, selectorNameValue());
        labels.put(INSTANCE, rss.getMetadata().getName());
        return labels;
    }

    public static String selectorNameValue() {
        return "replicatedstatefulset";
    }

    public static Map<String, String> owned(ReplicatedStatefulSet rss, String component) {
        Map<String, String> labels = new LinkedHashMap<>(selector(rss));
        labels.put(COMPONENT, component);
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(PART_OF, rss.getMetadata().getName());
        return labels;
    }

    public static Map<String, String> activePrimaries(ReplicatedStatefulSet rss) {
        Map<String, String> labels = new LinkedHashMap<>(selector(rss));
        labels.put(ROLE, PRIMARY);
        return labels;
    }

    public static String selectorString(ReplicatedStatefulSet rss) {
        StringBuilder sb = new StringBuilder();
        selector(rss).forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return sb.toString();
    }
}
