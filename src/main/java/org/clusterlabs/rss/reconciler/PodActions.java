package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.recovery.Role;
import org.clusterlabs.rss.resources.Labels;
import org.jboss.logging.Logger;

/**
 * What the operator does to pods besides exec: their role label, and deletion (one request each, no reads); and the
 * one read that cannot trust the informer cache: which pods exist right before a start hook is given its peers.
 */
@ApplicationScoped
public class PodActions {

    private static final Logger LOG = Logger.getLogger(PodActions.class);

    private final KubernetesClient client;
    private final RssEvents events;

    public PodActions(KubernetesClient client, RssEvents events) {
        this.client = client;
        this.events = events;
    }

    /** Sets or removes the role label with one merge patch; returns false (with a Warning) when it failed. */
    boolean label(ReplicatedStatefulSet rss, String pod, Optional<Role> role) {
        String value = role.map(r -> "\"" + RoleLabel.value(r) + "\"").orElse("null");
        String patch = "{\"metadata\":{\"labels\":{\"" + Labels.ROLE + "\":" + value + "}}}";
        try {
            client.pods().inNamespace(rss.getMetadata().getNamespace()).withName(pod)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
            return true;
        } catch (KubernetesClientException e) {
            String why = "could not " + role.map(r -> "label " + pod + " as " + RoleLabel.value(r))
                    .orElse("remove the role label of " + pod) + ": " + e.getMessage();
            LOG.warn(why);
            events.warning(rss, RssEvents.LABEL_FAILED, why);
            return false;
        }
    }

    /**
     * The resource's pods as the API server has them now, by name. The informer cache may lag a deletion by more
     * than the time between a pass and its exec, and a peer whose pod is gone must never be passed to a start hook.
     */
    Map<String, Pod> current(ReplicatedStatefulSet rss) {
        Map<String, Pod> byName = new HashMap<>();
        client.pods().inNamespace(rss.getMetadata().getNamespace())
                .withLabel(Labels.NAME, Labels.selectorNameValue())
                .withLabel(Labels.INSTANCE, rss.getMetadata().getName())
                .list().getItems().forEach(p -> byName.put(p.getMetadata().getName(), p));
        return byName;
    }

    void delete(ReplicatedStatefulSet rss, String pod, String why) {
        try {
            client.pods().inNamespace(rss.getMetadata().getNamespace()).withName(pod).delete();
            events.normal(rss, RssEvents.POD_DELETED, "deleted " + pod + ": " + why);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not delete pod %s/%s: %s", rss.getMetadata().getNamespace(), pod, e.getMessage());
            events.warning(rss, RssEvents.ACTION_NOT_RUN, "could not delete " + pod + " (" + why + "): "
                    + e.getMessage());
        }
    }
}
