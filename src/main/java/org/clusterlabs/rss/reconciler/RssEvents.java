package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events on the resource, off the reconcile path (one background thread), de-duplicated by object and
 * reason as Kubernetes' own event recorder does: within ten minutes an identical Event is not sent again, and after
 * ten different messages of one reason the rest update one combined Event (its count, last timestamp and message).
 */
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
    public static final String FORCE_SEED_REFUSED = "ForceSeedRefused";
    public static final String RECOVERY_REFUSED = "RecoveryRefused";
    public static final String SCALE_DOWN_STOP = "ScaleDownStop";
    public static final String POD_DELETED = "PodDeleted";
    public static final String LABEL_FAILED = "LabelFailed";
    public static final String ACTION_NOT_RUN = "ActionNotRun";
    public static final String STATEFULSET_NOT_UPDATED = "StatefulSetNotUpdated";

    static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);
    static final int SIMILAR_BEFORE_AGGREGATION = 10;
    private static final Logger LOG = Logger.getLogger(RssEvents.class);

    private record Key(String namespace, String uid, String type, String reason) {
    }

    /** What was sent for one reason on one object since {@code first}. */
    private record Window(Instant first, java.util.Set<String> messages, String aggregate, int aggregated) {
    }

    private final KubernetesClient client;
    private final Map<Key, Window> recent = new ConcurrentHashMap<>();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rss-events");
        t.setDaemon(true);
        return t;
    });

    public RssEvents(KubernetesClient client) {
        this.client = client;
    }

    public void normal(ReplicatedStatefulSet rss, String reason, String message) {
        emit(rss, "Normal", reason, message);
    }

    public void warning(ReplicatedStatefulSet rss, String reason, String message) {
        emit(rss, "Warning", reason, message);
    }

    /** Forgets a deleted resource's Events. */
    public void forget(ReplicatedStatefulSet rss) {
        recent.keySet().removeIf(k -> k.uid().equals(rss.getMetadata().getUid()));
    }

    @PreDestroy
    void stop() {
        sender.shutdown();
    }

    private void emit(ReplicatedStatefulSet rss, String type, String reason, String message) {
        String text = message.length() > 1024 ? message.substring(0, 1021) + "..." : message;
        try {
            sender.execute(() -> send(rss, type, reason, text));
        } catch (RejectedExecutionException e) {
            LOG.debugf("not recording event %s while shutting down: %s", reason, text);
        }
    }

    private void send(ReplicatedStatefulSet rss, String type, String reason, String message) {
        Key key = new Key(rss.getMetadata().getNamespace(), String.valueOf(rss.getMetadata().getUid()), type, reason);
        Instant now = Instant.now();
        Window window = recent.get(key);
        if (window == null || !now.isBefore(window.first().plus(AGGREGATION_WINDOW))) {
            window = new Window(now, new java.util.HashSet<>(), null, 0);
        }
        if (window.messages().contains(message)) {
            return;
        }
        try {
            if (window.messages().size() < SIMILAR_BEFORE_AGGREGATION) {
                client.v1().events().inNamespace(key.namespace()).resource(event(rss, type, reason, message, now))
                        .create();
                window.messages().add(message);
                recent.put(key, window);
                return;
            }
            String combined = "(combined from similar events): " + message;
            if (window.aggregate() == null) {
                Event created = client.v1().events().inNamespace(key.namespace())
                        .resource(event(rss, type, reason, combined, now)).create();
                recent.put(key, new Window(window.first(), window.messages(), created.getMetadata().getName(), 1));
            } else {
                String patch = "{\"count\":" + (window.aggregated() + 1) + ",\"lastTimestamp\":\"" + now
                        + "\",\"message\":" + io.fabric8.kubernetes.client.utils.Serialization.asJson(combined) + "}";
                // (by resource, not withName: fabric8 then GETs the Event first, which the RBAC does not grant)
                client.v1().events().inNamespace(key.namespace()).resource(new io.fabric8.kubernetes.api.model
                        .EventBuilder().withNewMetadata().withName(window.aggregate()).endMetadata().build())
                        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                recent.put(key, new Window(window.first(), window.messages(), window.aggregate(),
                        window.aggregated() + 1));
            }
        } catch (KubernetesClientException e) {
            // An Event is a courtesy: never let it break a recovery step.
            LOG.warnf("could not record event %s on %s/%s: %s", reason, key.namespace(),
                    rss.getMetadata().getName(), e.getMessage());
        }
    }

    private static Event event(ReplicatedStatefulSet rss, String type, String reason, String message, Instant now) {
        return new EventBuilder()
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
                .withMessage(message)
                .withFirstTimestamp(now.toString())
                .withLastTimestamp(now.toString())
                .withCount(1)
                .withNewSource().withComponent("rss-operator").endSource()
                .withReportingComponent("rss-operator")
                .build();
    }
}
