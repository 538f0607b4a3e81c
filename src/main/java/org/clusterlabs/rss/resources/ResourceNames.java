package org.clusterlabs.rss.resources;

import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

/** Names of owned resources and peer addresses, derived from the resource name. */
public final class ResourceNames {

    private ResourceNames() {
    }

    public static String statefulSet(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getName();
    }

    /** The headless peer Service: {@code {pod}.{name}} resolves before readiness. */
    public static String peerService(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getName();
    }

    public static String clientService(ReplicatedStatefulSet rss) {
        return rss.getMetadata().getName() + "-client";
    }

    public static String pod(ReplicatedStatefulSet rss, int ordinal) {
        return statefulSet(rss) + "-" + ordinal;
    }

    /** The FQDN that peers use for a copy: {@code {pod}.{service}.{namespace}.svc}. */
    public static String peerFqdn(ReplicatedStatefulSet rss, String pod) {
        return pod + "." + peerService(rss) + "." + rss.getMetadata().getNamespace() + ".svc";
    }

    /** The ordinal of a StatefulSet pod name, or -1 when the name is not one of this resource's pods. */
    public static int ordinalOf(ReplicatedStatefulSet rss, String pod) {
        String prefix = statefulSet(rss) + "-";
        if (!pod.startsWith(prefix)) {
            return -1;
        }
        try {
            return Integer.parseInt(pod.substring(prefix.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
