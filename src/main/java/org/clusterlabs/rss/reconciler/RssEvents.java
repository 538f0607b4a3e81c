package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.jboss.logging.Logger;

/** Kubernetes Events on the resource, one per recovery step. Repeated waiting messages are not re-sent. */
@ApplicationScoped
public class RssEvents {

    public static final String SEQUENCES_COLLECTED = "SequencesCollected";
    public static final String SEED_ELECTED = "SeedElected";
    public static final String SEEDED = "Seeded";
    public static final String MEMBER_STARTED = "MemberStarted";
    public static final String MEMBER_FAILED = "MemberFailed";
    public static final String MEMBER_RESTARTED = "MemberRestarted";
    public static final String WAITING_FOR_MEMBERS = "WaitingForMembers";
    public static final String FORCED_SEED = "ForcedSeed";
    public static final String REGRESSION_REFUSED = "RegressionRefused";
    public static final String SCALE_DOWN_STOP = "ScaleDownStop";
    public static final String POD_DELETED = "PodDeleted";

    private static final Logger LOG = Logger.getLogger(RssEvents.class);

    private final KubernetesClient client;
    private final Map<String, String> lastOnce = new ConcurrentHashMap<>();

    public RssEvents(KubernetesClient client) {
        this.client = client;
    }

    public void normal(ReplicatedStatefulSet rss, String reason, String message) {
        emit(rss, "Normal", reason, message);
    }

    public void warning(ReplicatedStatefulSet rss, String reason, String message) {
        emit(rss, "Warning", reason, message);
    }

    /** Emits only when the message differs from the last one of this reason for this resource. */
    public void once(ReplicatedStatefulSet rss, String type, String reason, String message) {
        String key = rss.getMetadata().getNamespace() + "/" + rss.getMetadata().getName() + "/" + reason;
        if (!message.equals(lastOnce.put(key, message))) {
            emit(rss, type, reason, message);
        }
    }

    private void emit(ReplicatedStatefulSet rss, String type, String reason, String message) {
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(rss.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata()
                        .withName(rss.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                        .withNamespace(rss.getMetadata().getNamespace())
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(rss.getApiVersion())
                            .withKind(rss.getKind())
                            .withName(rss.getMetadata().getName())
                            .withNamespace(rss.getMetadata().getNamespace())
                            .withUid(rss.getMetadata().getUid())
                            .build())
                    .withType(type)
                    .withReason(reason)
                    .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                    .withFirstTimestamp(now)
                    .withLastTimestamp(now)
                    .withCount(1)
                    .withNewSource().withComponent("rss-operator").endSource()
                    .withReportingComponent("rss-operator")
                    .build()).create();
        } catch (KubernetesClientException e) {
            // An Event is a courtesy: never let it break a recovery step.
            LOG.warnf("could not record event %s on %s/%s: %s", reason, rss.getMetadata().getNamespace(),
                    rss.getMetadata().getName(), e.getMessage());
        }
    }
}
