package org.clusterlabs.rss.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
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
import org.clusterlabs.rss.recovery.Planner;
import org.clusterlabs.rss.recovery.RecordedState;
import org.clusterlabs.rss.resources.Labels;
import org.jboss.logging.Logger;

/**
 * One pass observes (the resource, its StatefulSet, pods and their nodes, and the hook results this process has
 * seen), asks the pure planner, records the planner's durable record in status BEFORE acting, acts (StatefulSet,
 * pod labels, hooks), records what a user needs to see, and reschedules. Hook completions wake the resource up
 * through an inbound event source; the status period reschedules it otherwise.
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
public class ReplicatedStatefulSetReconciler implements Reconciler<ReplicatedStatefulSet>,
        Cleaner<ReplicatedStatefulSet> {

    public static final String NAME = "replicatedstatefulset";
    static final String PODS = "pods";
    static final String NODES = "nodes";
    static final String HOOK_RESULTS = "hook-results";

    private static final ObjectMapper COPIER = new ObjectMapper();
    private static final Logger LOG = Logger.getLogger(ReplicatedStatefulSetReconciler.class);

    private final Planner planner = new Planner();
    private final MemberMemory memory;
    private final ActionRunner runner;
    private final PodRoleLabeler labeler;
    private final RssEvents events;
    private final RssMetrics metrics;
    private final OperatorConfig config;
    private final Clock clock = Clock.systemUTC();
    private final SimpleInboundEventSource<ReplicatedStatefulSet> hookResults =
            new SimpleInboundEventSource<>(HOOK_RESULTS);

    public ReplicatedStatefulSetReconciler(MemberMemory memory, ActionRunner runner, PodRoleLabeler labeler,
            RssEvents events, RssMetrics metrics, OperatorConfig config) {
        this.memory = memory;
        this.runner = runner;
        this.labeler = labeler;
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
                        .build(), context);
        InformerEventSource<Node, ReplicatedStatefulSet> nodes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Node.class, ReplicatedStatefulSet.class)
                        .withName(NODES)
                        .withWatchAllNamespaces()
                        .withSecondaryToPrimaryMapper(node -> resourcesWithPodsOn(pods, node))
                        .build(), context);
        return List.of(pods, nodes, hookResults);
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
            metrics.observe(rss, before, status, now);
            return finish(rss, context, before, status, Optional.empty());
        }
        status.setConditions(Conditions.with(status.getConditions(), Conditions.SPEC_VALID, true,
                "Valid", "spec passed validation", generation, now));
        if (rss.getSpec().isPaused()) {
            status.setPhase(Phase.Paused);
            status.setObservedGeneration(generation);
            metrics.observe(rss, before, status, now);
            return finish(rss, context, before, status, Optional.empty());
        }

        Optional<StatefulSet> sts = context.getSecondaryResource(StatefulSet.class);
        Set<Pod> pods = context.getSecondaryResources(Pod.class);
        InformerEventSource<Node, ReplicatedStatefulSet> nodes = nodeSource(context);
        ClusterView view = ClusterViewFactory.build(rss, sts, pods, name -> nodes.get(new ResourceID(name)), memory,
                config.seedRetryBackoff(), now);
        Decision decision = planner.decide(view);

        ReplicatedStatefulSet current = recordBeforeActing(rss, context, decision, status, now);
        context.managedWorkflowAndDependentResourceContext().put(StatefulSetDependent.REPLICAS_KEY,
                stsReplicas(decision, view));
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        labeler.apply(pods);
        runner.run(current, decision.actions(), hookResults::propagateEvent);
        consumeForceAnnotation(current, context, decision);

        ReplicatedStatefulSetStatus after = copyOf(current.getStatus());
        after.setConditions(status.getConditions());
        StatusComposer.compose(after, current, view, decision, memory, sts, now);
        metrics.observe(current, before, after, now);
        return finish(current, context, copyOf(current.getStatus()), after,
                Optional.of(ClusterViewFactory.statusPeriod(rss.getSpec())));
    }

    /** The durable record goes to the API server before any action of this pass, so a restart never repeats it. */
    private ReplicatedStatefulSet recordBeforeActing(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context, Decision decision, ReplicatedStatefulSetStatus status,
            Instant now) {
        RecordedState recorded = RecordedStates.read(rss.getStatus());
        boolean startsOrStops = decision.actions().stream().anyMatch(ReplicatedStatefulSetReconciler::startsOrStops);
        if (recorded.equals(decision.record()) && !startsOrStops) {
            return rss;
        }
        ReplicatedStatefulSetStatus withRecord = copyOf(status);
        RecordedStates.write(decision.record(), withRecord);
        if (startsOrStops) {
            withRecord.setLastStartHookAt(now.toString());
        }
        withRecord.setObservedGeneration(rss.getMetadata().getGeneration());
        return writeStatus(rss, context, withRecord);
    }

    private static boolean startsOrStops(Action a) {
        return a instanceof Action.Seed || a instanceof Action.StartPrimaries || a instanceof Action.StartSecondaries
                || a instanceof Action.Stop || a instanceof Action.RestartMember;
    }

    private void consumeForceAnnotation(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context,
            Decision decision) {
        boolean seededByForce = decision.actions().stream()
                .anyMatch(a -> a instanceof Action.Seed s && s.forced());
        if (seededByForce) {
            context.getClient().resources(ReplicatedStatefulSet.class)
                    .inNamespace(rss.getMetadata().getNamespace()).withName(rss.getMetadata().getName())
                    .edit(r -> {
                        r.getMetadata().getAnnotations().remove(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION);
                        return r;
                    });
        }
    }

    private static int stsReplicas(Decision decision, ClusterView view) {
        return decision.actions().stream()
                .filter(Action.ResizeStatefulSet.class::isInstance)
                .map(a -> ((Action.ResizeStatefulSet) a).replicas())
                .findFirst()
                .orElse(view.statefulSetReplicas());
    }

    private UpdateControl<ReplicatedStatefulSet> finish(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context, ReplicatedStatefulSetStatus before,
            ReplicatedStatefulSetStatus after, Optional<Duration> reschedule) {
        if (!after.equals(before)) {
            if (LOG.isDebugEnabled()) {
                LOG.debugf("status of %s/%s changes:%n  from %s%n  to   %s", rss.getMetadata().getNamespace(),
                        rss.getMetadata().getName(), Serialization.asJson(before), Serialization.asJson(after));
            }
            writeStatus(rss, context, after);
        }
        UpdateControl<ReplicatedStatefulSet> control = UpdateControl.noUpdate();
        reschedule.ifPresent(control::rescheduleAfter);
        return control;
    }

    private static ReplicatedStatefulSet writeStatus(ReplicatedStatefulSet rss,
            Context<ReplicatedStatefulSet> context, ReplicatedStatefulSetStatus status) {
        return PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(rss, context, r -> {
            r.setStatus(copyOf(status));
            return r;
        });
    }

    @Override
    public DeleteControl cleanup(ReplicatedStatefulSet rss, Context<ReplicatedStatefulSet> context) {
        memory.forget(rss.getMetadata().getNamespace(), rss.getMetadata().getName());
        metrics.forget(rss);
        return DeleteControl.defaultDelete();
    }

    @SuppressWarnings("unchecked")
    private static InformerEventSource<Node, ReplicatedStatefulSet> nodeSource(
            Context<ReplicatedStatefulSet> context) {
        return (InformerEventSource<Node, ReplicatedStatefulSet>) context.eventSourceRetriever()
                .getEventSourceFor(Node.class, NODES);
    }

    static ReplicatedStatefulSetStatus copyOf(ReplicatedStatefulSetStatus status) {
        return status == null ? new ReplicatedStatefulSetStatus()
                : COPIER.convertValue(status, ReplicatedStatefulSetStatus.class);
    }
}
