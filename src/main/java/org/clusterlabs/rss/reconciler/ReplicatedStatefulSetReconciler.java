package org.clusterlabs.rss.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.SpecValidator;
import org.clusterlabs.rss.api.v1alpha1.SpecViolation;
import org.clusterlabs.rss.resources.Labels;

/**
 * One pass observes the resource and what it owns, validates the spec, reconciles the owned StatefulSet and
 * Services, and records status only when something changed. The owned resources are reconciled explicitly, so an
 * invalid or paused resource changes nothing.
 */
// Not generation-aware: annotation changes (the force-seed request) must trigger a pass too.
@ControllerConfiguration(name = ReplicatedStatefulSetReconciler.NAME, generationAwareEventProcessing = false)
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "patch", "delete"})
// The exec call is authorized as create; some API-server versions check get for the WebSocket upgrade.
@RBACRule(apiGroups = "", resources = "pods/exec", verbs = {"create", "get"})
// Read-only, for fencing: a pod on a node that is not Ready may still be running.
@RBACRule(apiGroups = "", resources = "nodes", verbs = {"get", "list", "watch"})
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
// Leader election holds a Lease so that one operator replica acts at a time.
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "create", "update"})
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "statefulset", type = StatefulSetDependent.class),
        @Dependent(name = "peer-service", type = PeerServiceDependent.class),
        @Dependent(name = "client-service", type = ClientServiceDependent.class)
})
public class ReplicatedStatefulSetReconciler implements Reconciler<ReplicatedStatefulSet> {

    public static final String NAME = "replicatedstatefulset";

    private static final ObjectMapper COPIER = new ObjectMapper();

    private final Clock clock;

    public ReplicatedStatefulSetReconciler() {
        this(Clock.systemUTC());
    }

    ReplicatedStatefulSetReconciler(Clock clock) {
        this.clock = clock;
    }

    @Override
    public UpdateControl<ReplicatedStatefulSet> reconcile(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context) {
        Instant now = clock.instant();
        ReplicatedStatefulSetStatus before = copyOf(rss.getStatus());
        ReplicatedStatefulSetStatus status = copyOf(rss.getStatus());
        Long generation = rss.getMetadata().getGeneration();

        List<SpecViolation> violations = SpecValidator.validate(rss.getSpec());
        if (!violations.isEmpty()) {
            String message = "spec is invalid, nothing was changed: "
                    + violations.stream().map(SpecViolation::toString).collect(Collectors.joining("; "));
            status.setConditions(Conditions.with(status.getConditions(), Conditions.SPEC_VALID, false,
                    "InvalidSpec", message, generation, now));
            status.setPhase(Phase.Failed);
            status.setObservedGeneration(generation);
            return record(rss, before, status);
        }
        status.setConditions(Conditions.with(status.getConditions(), Conditions.SPEC_VALID, true,
                "Valid", "spec passed validation", generation, now));

        if (rss.getSpec().isPaused()) {
            status.setPhase(Phase.Paused);
            status.setObservedGeneration(generation);
            return record(rss, before, status);
        }

        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        observeStatefulSet(rss, context, status);
        if (status.getPhase() == null || status.getPhase() == Phase.Failed || status.getPhase() == Phase.Paused) {
            status.setPhase(Phase.Pending);
        }
        status.setObservedGeneration(generation);
        return record(rss, before, status);
    }

    private static void observeStatefulSet(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context,
            ReplicatedStatefulSetStatus status) {
        int desired = rss.getSpec().replicasOrZero();
        int pods = context.getSecondaryResource(StatefulSet.class)
                .map(sts -> sts.getStatus() == null || sts.getStatus().getReplicas() == null
                        ? 0 : sts.getStatus().getReplicas())
                .orElse(0);
        status.setReplicas(pods);
        status.setSelector(Labels.selectorString(rss));
        int ready = status.getReadyReplicas() == null ? 0 : status.getReadyReplicas();
        status.setReadyReplicas(ready);
        status.setReady(ready + "/" + desired);
        if (status.getPrimaries() == null) {
            status.setPrimaries(0);
        }
    }

    private static UpdateControl<ReplicatedStatefulSet> record(ReplicatedStatefulSet rss,
            ReplicatedStatefulSetStatus before, ReplicatedStatefulSetStatus after) {
        if (after.equals(before)) {
            return UpdateControl.noUpdate();
        }
        rss.setStatus(after);
        return UpdateControl.patchStatus(rss);
    }

    private static ReplicatedStatefulSetStatus copyOf(ReplicatedStatefulSetStatus status) {
        return status == null ? new ReplicatedStatefulSetStatus()
                : COPIER.convertValue(status, ReplicatedStatefulSetStatus.class);
    }
}
