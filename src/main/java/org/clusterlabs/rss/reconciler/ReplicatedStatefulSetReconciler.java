package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.recovery.ControlPass;
import org.clusterlabs.rss.recovery.HookLedger;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.SpecValidator;
import org.clusterlabs.rss.api.v1alpha1.SpecViolation;
import org.clusterlabs.rss.config.OperatorConfig;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.clusterlabs.rss.recovery.Action;
import org.clusterlabs.rss.recovery.ClusterView;
import org.clusterlabs.rss.recovery.Decision;
import org.clusterlabs.rss.resources.Labels;
import org.jboss.logging.Logger;

/**
 * One pass observes (the resource, its StatefulSet, pods and their nodes, and the hook results this process has
 * seen), asks the pure planner, records the planner's durable record in status BEFORE acting, acts (StatefulSet,
 * pod labels, hooks), records what a user needs to see, and reschedules. Hook completions wake the resource up
 * through an inbound event source; the status period reschedules it otherwise.
 */
// Not generation-aware: annotation changes (the force-seed request) must trigger a pass too; status-only updates
// (the operator's own writes) do not.
@ControllerConfiguration(name = ReplicatedStatefulSetReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = IgnoreStatusOnlyUpdates.class))
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "patch", "delete"})
// The exec call is authorized as create; some API-server versions check get for the WebSocket upgrade.
@RBACRule(apiGroups = "", resources = "pods/exec", verbs = {"create", "get"})
// Read-only, for fencing: a pod on a node that is not Ready may still be running.
@RBACRule(apiGroups = "", resources = "nodes", verbs = {"get", "list", "watch"})
// Events are created, and patched when similar ones are combined (RssEvents).
@RBACRule(apiGroups = "", resources = "events", verbs = {"create", "patch"})
// Leader election holds a Lease so that one operator replica acts at a time. The chart and release manifests grant
// it in a Role in the operator's own namespace, get and update limited to the configured Lease by resourceNames
// (create cannot be limited so). QOSDK merges rules per resource and drops resourceNames, so they are not here.
// fabric8's leader election renews and releases the Lease with a patch (a real API server refused it without).
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "create", "update", "patch"})
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(name = "statefulset", type = StatefulSetDependent.class),
        @Dependent(name = "peer-service", type = PeerServiceDependent.class),
        @Dependent(name = "client-service", type = ClientServiceDependent.class)
})
public class ReplicatedStatefulSetReconciler implements Reconciler<ReplicatedStatefulSet> {

    public static final String NAME = "replicatedstatefulset";
    static final String PODS = "pods";
    static final String NODES = "nodes";
    static final String HOOK_RESULTS = "hook-results";

    /** After a status conflict the next pass plans from the fresh resource, which the cache has by then. */
    static final Duration REPLAN_AFTER_CONFLICT = Duration.ofMillis(200);
    static final Duration REPLAN_AFTER_REFUSAL = Duration.ofSeconds(1);
    private static final Logger LOG = Logger.getLogger(ReplicatedStatefulSetReconciler.class);

    private final ControlPass pass = new ControlPass();
    private final HookLedgers ledgers;
    private final ActionRunner runner;
    private final HookCompletions completions;
    private final HookExecutor hooks;
    private final OwnedResources dependents;
    private final RssEvents events;
    private final RssMetrics metrics;
    private final OperatorConfig config;
    private final Clock clock = Clock.systemUTC();
    private final SimpleInboundEventSource<ReplicatedStatefulSet> hookResults =
            new SimpleInboundEventSource<>(HOOK_RESULTS);

    public ReplicatedStatefulSetReconciler(HookLedgers ledgers, ActionRunner runner, HookCompletions completions,
            HookExecutor hooks, OwnedResources dependents, RssEvents events, RssMetrics metrics,
            OperatorConfig config) {
        this.ledgers = ledgers;
        this.runner = runner;
        this.completions = completions;
        this.hooks = hooks;
        this.dependents = dependents;
        this.events = events;
        this.metrics = metrics;
        this.config = config;
    }

    @Override
    public List<EventSource<?, ReplicatedStatefulSet>> prepareEventSources(
            EventSourceContext<ReplicatedStatefulSet> context) {
        InformerEventSource<Pod, ReplicatedStatefulSet> pods = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, ReplicatedStatefulSet.class)
                        .withName(PODS)
                        .withLabelSelector(Labels.NAME + "=" + Labels.selectorNameValue())
                        .withSecondaryToPrimaryMapper(
                                Mappers.fromLabel(Labels.INSTANCE, null, ReplicatedStatefulSet.class))
                        .withItemStore(PrunedStore.pods())
                        .build(), context);
        InformerEventSource<Node, ReplicatedStatefulSet> nodes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Node.class, ReplicatedStatefulSet.class)
                        .withName(NODES)
                        .withWatchAllNamespaces()
                        .withSecondaryToPrimaryMapper(node -> resourcesWithPodsOn(pods, node))
                        .withItemStore(PrunedStore.nodes())
                        .build(), context);
        return List.of(pods, nodes, hookResults, new ResourceDeletions(this::forget));
    }

    private static Set<ResourceID> resourcesWithPodsOn(InformerEventSource<Pod, ReplicatedStatefulSet> pods,
            Node node) {
        return pods.list(p -> p.getSpec() != null && node.getMetadata().getName().equals(p.getSpec().getNodeName()))
                .map(p -> new ResourceID(p.getMetadata().getLabels().get(Labels.INSTANCE),
                        p.getMetadata().getNamespace()))
                .collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<ReplicatedStatefulSet> reconcile(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context) {
        Instant now = clock.instant();
        long passStart = System.nanoTime();
        ReplicatedStatefulSetStatus before = StatusFence.copyOf(rss.getStatus());
        ReplicatedStatefulSetStatus status = StatusFence.copyOf(rss.getStatus());
        Long generation = rss.getMetadata().getGeneration();
        HookLedger ledger = ledgers.of(rss.getMetadata().getNamespace(), rss.getMetadata().getName());
        StatusFence fence = new StatusFence(rss, context, ledger::startsRecorded);

        List<SpecViolation> violations = SpecValidator.validate(rss.getSpec());
        if (!violations.isEmpty()) {
            String message = "spec is invalid, nothing was changed: "
                    + violations.stream().map(SpecViolation::toString).collect(Collectors.joining("; "));
            status.setConditions(Conditions.with(status.getConditions(), Conditions.SPEC_VALID, false,
                    "InvalidSpec", message, generation, now));
            status.setPhase(Phase.Failed);
            status.setObservedGeneration(generation);
            metrics.observe(rss, before, status, now);
            return finish(fence, before, status, Optional.empty());
        }
        status.setConditions(Conditions.with(status.getConditions(), Conditions.SPEC_VALID, true,
                "Valid", "spec passed validation", generation, now));
        if (rss.getSpec().isPaused()) {
            status.setPhase(Phase.Paused);
            status.setObservedGeneration(generation);
            metrics.observe(rss, before, status, now);
            return finish(fence, before, status, Optional.empty());
        }

        Optional<StatefulSet> sts = context.getSecondaryResource(StatefulSet.class);
        Set<Pod> pods = context.getSecondaryResources(Pod.class);
        InformerEventSource<Node, ReplicatedStatefulSet> nodes = nodeSource(context);
        ClusterView view = ClusterViewFactory.build(rss, sts, pods, name -> nodes.get(new ResourceID(name)), ledger,
                hooks.lateStartBudget(), config.seedRetryBackoff(), now);
        ControlPass.Outcome outcome = pass.run(view, fence, runner.forPass(rss, ledger, hookResults::propagateEvent,
                pods));
        Decision decision = outcome.decision();
        long acted = System.nanoTime();
        if (outcome instanceof ControlPass.Outcome.Conflict) {
            LOG.debugf("status of %s/%s changed since it was observed: nothing was run, planning again",
                    rss.getMetadata().getNamespace(), rss.getMetadata().getName());
            return UpdateControl.<ReplicatedStatefulSet>noUpdate().rescheduleAfter(REPLAN_AFTER_CONFLICT);
        }
        if (outcome instanceof ControlPass.Outcome.Refused refused) {
            String why = String.join("; ", refused.reasons());
            LOG.warnf("%s/%s: nothing of this pass was recorded or run: %s", rss.getMetadata().getNamespace(),
                    rss.getMetadata().getName(), why);
            events.warning(rss, RssEvents.ACTION_NOT_RUN, "nothing of this pass was recorded or run, it is planned"
                    + " again: " + why);
            return UpdateControl.<ReplicatedStatefulSet>noUpdate().rescheduleAfter(REPLAN_AFTER_REFUSAL);
        }
        reportWaiting(rss, decision);

        ReplicatedStatefulSet current = fence.current();
        ReplicatedStatefulSetStatus after = StatusFence.copyOf(current.getStatus());
        after.setConditions(status.getConditions());
        after.setConditions(Conditions.with(after.getConditions(), Conditions.STATEFULSET_SYNCED,
                dependents.reconcile(rss, context, stsReplicas(decision, view), sts), generation, now));
        if (Conditions.find(after.getConditions(), Conditions.RECONCILE_ERROR).isPresent()) {
            after.setConditions(Conditions.with(after.getConditions(), Conditions.RECONCILE_ERROR, false,
                    "Reconciled", "the last reconcile succeeded", generation, now));
        }
        long synced = System.nanoTime();
        StatusComposer.compose(after, current, view, decision, ledger, sts, now);
        metrics.observe(current, before, after, now);
        UpdateControl<ReplicatedStatefulSet> control = finish(fence, StatusFence.copyOf(current.getStatus()), after,
                Optional.of(ClusterViewFactory.statusPeriod(rss.getSpec())));
        removeConsumedForceAnnotation(rss, context, view, decision);
        if (LOG.isDebugEnabled()) {
            LOG.debugf("pass of %s/%s: %s; planned, recorded and launched in %d ms, dependents %d ms, status %d ms",
                    rss.getMetadata().getNamespace(), rss.getMetadata().getName(), decision.actions(),
                    (acted - passStart) / 1_000_000, (synced - acted) / 1_000_000,
                    (System.nanoTime() - synced) / 1_000_000);
        }
        return control;
    }

    private void reportWaiting(ReplicatedStatefulSet rss, Decision decision) {
        String waiting = decision.actionsOf(Action.WaitFor.class).stream().map(Action.WaitFor::reason).distinct()
                .collect(Collectors.joining("; "));
        if (!waiting.isEmpty()) {
            events.normal(rss, RssEvents.WAITING_FOR_MEMBERS, waiting);
        }
    }

    /** The annotation is a one-shot request: once the record says it was consumed, it is removed. */
    private static void removeConsumedForceAnnotation(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context, ClusterView view, Decision decision) {
        Optional<String> consumed = decision.record().consumedForceSeed();
        if (consumed.isEmpty() || !consumed.equals(view.forceSeedPod())) {
            return;
        }
        try {
            context.getClient().resources(ReplicatedStatefulSet.class)
                    .inNamespace(rss.getMetadata().getNamespace()).withName(rss.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":{\""
                            + ReplicatedStatefulSet.FORCE_SEED_ANNOTATION + "\":null}}}");
        } catch (KubernetesClientException e) {
            LOG.warnf("could not remove the consumed annotation %s from %s/%s: %s",
                    ReplicatedStatefulSet.FORCE_SEED_ANNOTATION, rss.getMetadata().getNamespace(),
                    rss.getMetadata().getName(), e.getMessage());
        }
    }

    private static int stsReplicas(Decision decision, ClusterView view) {
        return decision.actions().stream()
                .filter(Action.ResizeStatefulSet.class::isInstance)
                .map(a -> ((Action.ResizeStatefulSet) a).replicas())
                .findFirst()
                .orElse(view.statefulSetReplicas());
    }

    /** The final write of a pass: only when something changed, with optimistic locking and no re-apply. */
    private UpdateControl<ReplicatedStatefulSet> finish(StatusFence fence, ReplicatedStatefulSetStatus before,
            ReplicatedStatefulSetStatus after, Optional<Duration> reschedule) {
        UpdateControl<ReplicatedStatefulSet> control = UpdateControl.noUpdate();
        if (!after.equals(before)) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("status of %s/%s changes:%n  from %s%n  to   %s",
                        fence.current().getMetadata().getNamespace(), fence.current().getMetadata().getName(),
                        Serialization.asJson(before), Serialization.asJson(after));
            }
            if (!fence.write(after)) {
                return control.rescheduleAfter(REPLAN_AFTER_CONFLICT);
            }
        }
        reschedule.ifPresent(control::rescheduleAfter);
        return control;
    }

    /**
     * A reconcile error (an unexpected exception) reaches status as a condition, written like every other status
     * write: against the version observed, never re-applied over a newer record.
     */
    @Override
    public ErrorStatusUpdateControl<ReplicatedStatefulSet> updateErrorStatus(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context, Exception e) {
        LOG.errorf(e, "reconcile of %s/%s failed", rss.getMetadata().getNamespace(), rss.getMetadata().getName());
        ReplicatedStatefulSetStatus status = StatusFence.copyOf(rss.getStatus());
        status.setConditions(Conditions.with(status.getConditions(), Conditions.RECONCILE_ERROR, true,
                e.getClass().getSimpleName(), String.valueOf(e.getMessage()), rss.getMetadata().getGeneration(),
                clock.instant()));
        try {
            new StatusFence(rss, context).write(status);
        } catch (RuntimeException writeFailed) {
            LOG.warnf("could not record the reconcile error of %s/%s in status: %s",
                    rss.getMetadata().getNamespace(), rss.getMetadata().getName(), writeFailed.getMessage());
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    private void forget(ReplicatedStatefulSet rss) {
        ledgers.forget(rss.getMetadata().getNamespace(), rss.getMetadata().getName());
        completions.forget(rss);
        dependents.forget(rss);
        events.forget(rss);
        metrics.forget(rss);
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Node, ReplicatedStatefulSet> nodeSource(
            Context<ReplicatedStatefulSet> context) {
        return (InformerEventSource<Node, ReplicatedStatefulSet>) context.eventSourceRetriever()
                .getEventSourceFor(Node.class, NODES);
    }
}
