package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Objects;
import org.clusterlabs.rss.recovery.StatusReport;
import org.clusterlabs.rss.resources.Labels;
import org.jboss.logging.Logger;

/** Keeps each pod's role label equal to what its status hook last reported; the client Service selects primaries. */
@ApplicationScoped
public class PodRoleLabeler {

    private static final Logger LOG = Logger.getLogger(PodRoleLabeler.class);

    private final KubernetesClient client;
    private final MemberMemory memory;

    public PodRoleLabeler(KubernetesClient client, MemberMemory memory) {
        this.client = client;
        this.memory = memory;
    }

    public void apply(Collection<Pod> pods) {
        for (Pod pod : pods) {
            String ns = pod.getMetadata().getNamespace();
            String wanted = memory.find(ns, pod.getMetadata().getName())
                    .flatMap(MemberMemory.Member::status)
                    .map(s -> roleLabel(s.value()))
                    .orElse(null);
            String current = pod.getMetadata().getLabels() == null ? null
                    : pod.getMetadata().getLabels().get(Labels.ROLE);
            if (!Objects.equals(wanted, current)) {
                relabel(pod, wanted);
            }
        }
    }

    static String roleLabel(StatusReport report) {
        return switch (report) {
            case RUNNING_PRIMARY -> Labels.PRIMARY;
            case RUNNING_SECONDARY -> Labels.SECONDARY;
            default -> null;
        };
    }

    private void relabel(Pod pod, String role) {
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .edit(p -> {
                        if (role == null) {
                            p.getMetadata().getLabels().remove(Labels.ROLE);
                        } else {
                            p.getMetadata().getLabels().put(Labels.ROLE, role);
                        }
                        return p;
                    });
        } catch (KubernetesClientException e) {
            // The pod may be going away; the next pass labels what is there.
            LOG.debugf("could not label pod %s: %s", pod.getMetadata().getName(), e.getMessage());
        }
    }
}
