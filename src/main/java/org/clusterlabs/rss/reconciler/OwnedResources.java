package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowReconcileResult;
import jakarta.enterprise.context.ApplicationScoped;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.jboss.logging.Logger;

/**
 * Reconciles the owned StatefulSet and Services, isolated from the rest of the pass: a failure is reported (a
 * condition and an Event naming it) and never stops hooks or the status write.
 */
@ApplicationScoped
public class OwnedResources {

    private static final Logger LOG = Logger.getLogger(OwnedResources.class);

    private static final Conditions.Verdict SYNCED =
            new Conditions.Verdict(true, "Synced", "the StatefulSet and Services match the spec");

    private final RssEvents events;
    /** Per resource UID: what the owned resources were last found matching; while it holds, nothing is compared. */
    private final Map<String, Matched> lastMatched = new ConcurrentHashMap<>();

    /** The StatefulSet, the peer Service and the client Service. */
    private static final int OWNED_KINDS = 3;

    /** The spec's generation, the decided size, and the versions of the owned resources as they were compared. */
    private record Matched(Long generation, int replicas, Map<String, String> versions) {
    }

    public OwnedResources(RssEvents events) {
        this.events = events;
    }

    /**
     * Brings the StatefulSet and Services to the spec, with the StatefulSet at {@code replicas}. The comparison
     * (desired against actual, for each) is skipped while neither the spec, the size, nor any owned resource
     * changed since they last matched: a pass that only runs hooks costs no comparison.
     */
    Conditions.Verdict reconcile(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context, int replicas,
            Optional<StatefulSet> actual) {
        Matched now = new Matched(rss.getMetadata().getGeneration(), replicas, versions(context, actual));
        String uid = rss.getMetadata().getUid();
        if (uid != null && now.equals(lastMatched.get(uid))) {
            return SYNCED;
        }
        forget(rss);
        context.managedWorkflowAndDependentResourceContext().put(StatefulSetDependent.REPLICAS_KEY, replicas);
        String failure;
        try {
            WorkflowReconcileResult result = context.managedWorkflowAndDependentResourceContext()
                    .reconcileManagedWorkflow();
            failure = result.getErroredDependents().values().stream().map(OwnedResources::describe)
                    .collect(Collectors.joining("; "));
        } catch (RuntimeException e) {
            failure = describe(e);
        }
        if (!failure.isEmpty()) {
            String message = "the owned resources could not be updated (hooks and status checks go on): " + failure;
            LOG.warnf("%s/%s: %s", rss.getMetadata().getNamespace(), rss.getMetadata().getName(), message);
            events.warning(rss, RssEvents.STATEFULSET_NOT_UPDATED, message);
            return new Conditions.Verdict(false, "UpdateFailed", message);
        }
        Optional<String> kept = changedVolumeClaimTemplates(rss, actual);
        if (kept.isPresent()) {
            events.warning(rss, RssEvents.STATEFULSET_NOT_UPDATED, kept.get());
            return new Conditions.Verdict(false, "ImmutableFieldChanged", kept.get());
        }
        if (uid != null && now.versions().size() == OWNED_KINDS) {
            lastMatched.put(uid, now); // all of them existed when compared
        }
        return SYNCED;
    }

    void forget(ReplicatedStatefulSet rss) {
        if (rss.getMetadata().getUid() != null) {
            lastMatched.remove(rss.getMetadata().getUid());
        }
    }

    private static Map<String, String> versions(Context<ReplicatedStatefulSet> context,
            Optional<StatefulSet> actual) {
        Map<String, String> versions = new TreeMap<>();
        actual.ifPresent(s -> versions.put("StatefulSet/" + s.getMetadata().getName(),
                s.getMetadata().getResourceVersion()));
        context.getSecondaryResources(Service.class).forEach(s -> versions.put("Service/"
                + s.getMetadata().getName(), s.getMetadata().getResourceVersion()));
        return versions;
    }

    /**
     * A StatefulSet cannot change its volumeClaimTemplates: the operator keeps the existing ones (the StatefulSet
     * dependent never sends a change) and says so, naming the field.
     */
    static Optional<String> changedVolumeClaimTemplates(ReplicatedStatefulSet rss, Optional<StatefulSet> actual) {
        if (actual.isEmpty() || actual.get().getSpec() == null) {
            return Optional.empty();
        }
        List<String> wanted = rss.getSpec().getVolumeClaimTemplates().stream().map(OwnedResources::essence).toList();
        List<String> have = actual.get().getSpec().getVolumeClaimTemplates().stream().map(OwnedResources::essence)
                .toList();
        if (wanted.equals(have)) {
            return Optional.empty();
        }
        return Optional.of("spec.volumeClaimTemplates changed, but a StatefulSet cannot change its volume claim"
                + " templates; the StatefulSet keeps " + have + " (wanted " + wanted + "). Restore the field, or"
                + " recreate the resource to change the volumes");
    }

    /** What a user sets on a claim template, without what the API server defaults. */
    private static String essence(PersistentVolumeClaim pvc) {
        var spec = pvc.getSpec();
        return (pvc.getMetadata() == null ? null : pvc.getMetadata().getName()) + "{" + (spec == null ? ""
                : "accessModes=" + spec.getAccessModes() + ",storageClassName="
                        + Objects.toString(spec.getStorageClassName(), "") + ",requests="
                        + (spec.getResources() == null ? null : spec.getResources().getRequests())) + "}";
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
