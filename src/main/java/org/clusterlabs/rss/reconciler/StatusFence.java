package org.clusterlabs.rss.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.time.Instant;
import java.util.Optional;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.recovery.ControlPass;
import org.clusterlabs.rss.recovery.RecordedState;

/**
 * Status writes with optimistic locking against the resourceVersion this pass observed, and no re-apply: a 409
 * means someone else wrote since, and the caller must act on nothing and plan again from fresh state. Each
 * successful write moves the pass on to the version it produced.
 */
final class StatusFence implements ControlPass.Fence {

    private static final ObjectMapper COPIER = new ObjectMapper();

    private final Context<ReplicatedStatefulSet> context;
    private final java.util.function.Consumer<Instant> startsRecorded;
    private ReplicatedStatefulSet current;

    StatusFence(ReplicatedStatefulSet observed, Context<ReplicatedStatefulSet> context) {
        this(observed, context, at -> { });
    }

    /** @param startsRecorded told of every last-start time this fence wrote */
    StatusFence(ReplicatedStatefulSet observed, Context<ReplicatedStatefulSet> context,
            java.util.function.Consumer<Instant> startsRecorded) {
        this.current = observed;
        this.context = context;
        this.startsRecorded = startsRecorded;
    }

    /** The resource as of this pass's last successful write (or as observed). */
    ReplicatedStatefulSet current() {
        return current;
    }

    @Override
    public boolean write(RecordedState record, Optional<Instant> startsAt) {
        ReplicatedStatefulSetStatus status = copyOf(current.getStatus());
        RecordedStates.write(record, status);
        startsAt.ifPresent(at -> status.setLastStartHookAt(at.toString()));
        status.setObservedGeneration(current.getMetadata().getGeneration());
        boolean written = write(status);
        if (written) {
            startsAt.ifPresent(startsRecorded);
        }
        return written;
    }

    /** Writes this whole status if nothing changed the resource since; false on a conflict. */
    boolean write(ReplicatedStatefulSetStatus status) {
        ReplicatedStatefulSet desired = COPIER.convertValue(current, ReplicatedStatefulSet.class);
        desired.setStatus(copyOf(status));
        try {
            current = PrimaryUpdateAndCacheUtils.updateAndCacheResource(desired, context, r -> r,
                    r -> context.getClient().resource(r).updateStatus(), 0,
                    PrimaryUpdateAndCacheUtils.DEFAULT_RESOURCE_CACHE_TIMEOUT_MILLIS,
                    PrimaryUpdateAndCacheUtils.DEFAULT_RESOURCE_CACHE_POLL_PERIOD_MILLIS);
            return true;
        } catch (OperatorException e) {
            if (e.getCause() instanceof KubernetesClientException kce && kce.getCode() == 409) {
                return false;
            }
            throw e;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    static ReplicatedStatefulSetStatus copyOf(ReplicatedStatefulSetStatus status) {
        return status == null ? new ReplicatedStatefulSetStatus()
                : COPIER.convertValue(status, ReplicatedStatefulSetStatus.class);
    }
}
