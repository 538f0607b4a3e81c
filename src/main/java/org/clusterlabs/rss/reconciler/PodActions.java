package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.recovery.Role;
import org.clusterlabs.rss.resources.Labels;
import org.jboss.logging.Logger;

/** What the operator does to pods besides exec: their role label, and deletion. One request each, no reads. */
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
