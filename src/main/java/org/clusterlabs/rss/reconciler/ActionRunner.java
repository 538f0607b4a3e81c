package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.recovery.Action;
import org.clusterlabs.rss.recovery.ControlPass;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.recovery.HookLedger;
import org.clusterlabs.rss.resources.ResourceNames;
import org.jboss.logging.Logger;

/**
 * Carries out the planner's actions for one pass ({@link ControlPass.Actuator}). Hooks run asynchronously: a slow
 * hook never holds a reconciler thread; its end goes into the resource's {@link HookLedger} and wakes the resource
 * up for the next pass.
 */
@ApplicationScoped
public class ActionRunner {

    private static final Logger LOG = Logger.getLogger(ActionRunner.class);

    private final HookExecutor hooks;
    private final HookCompletions completions;
    private final PodActions pods;
    private final RssEvents events;
    private final Clock clock = Clock.systemUTC();

    public ActionRunner(HookExecutor hooks, HookCompletions completions, PodActions pods, RssEvents events) {
        this.hooks = hooks;
        this.completions = completions;
        this.pods = pods;
        this.events = events;
    }

    /**
     * The actuator of one pass of one resource; {@code cachedPods} are its pods as the informer holds them (an exec
     * then reads no pod from the API server).
     */
    public ControlPass.Actuator forPass(ReplicatedStatefulSet rss, HookLedger ledger, Consumer<ResourceID> wake,
            Collection<Pod> cachedPods) {
        return new Pass(rss, ledger, wake, cachedPods);
    }

    /** How long after its start a hook the operator stopped waiting for may still run in the pod. */
    Duration mayRunFor(HookInvocation invocation) {
        return invocation.timeout().plus(hooks.lateStartBudget());
    }

    private final class Pass implements ControlPass.Actuator {
        private final ReplicatedStatefulSet rss;
        private final HookLedger ledger;
        private final Consumer<ResourceID> wake;
        private final Map<Action, List<HookInvocation>> prepared = new HashMap<>();
        private final Set<String> unlabelled = new HashSet<>();
        private final Map<String, Pod> cachedPods = new HashMap<>();
        private final Object podReads = new Object();
        private Map<String, Pod> lastPodRead;
        private long lastPodReadStartedAt;

        Pass(ReplicatedStatefulSet rss, HookLedger ledger, Consumer<ResourceID> wake, Collection<Pod> cachedPods) {
            this.rss = rss;
            this.ledger = ledger;
            this.wake = wake;
            cachedPods.forEach(p -> this.cachedPods.put(p.getMetadata().getName(), p));
        }

        @Override
        public Optional<String> refusal(Action action) {
            Optional<HookKind> kind = action.hook();
            if (kind.isEmpty() || stopsWithoutHook(action)) {
                return Optional.empty();
            }
            List<HookInvocation> invocations = new ArrayList<>();
            for (String pod : action.hookTargets()) {
                if (ledger.busy(pod)) {
                    return Optional.of(action + " cannot run: a hook already runs on " + pod);
                }
                Optional<HookSpec> spec = HookInvocations.specOf(rss.getSpec().getHooks(), kind.get());
                if (spec.isEmpty()) {
                    return Optional.of(action + " cannot run: no " + kind.get().tag() + " hook is configured");
                }
                try {
                    invocations.add(HookInvocations.invocation(rss, kind.get(), spec.get(), pod, action.peers()));
                } catch (RuntimeException e) {
                    return Optional.of(action + " cannot run: the " + kind.get().tag() + " hook of " + pod
                            + " cannot be built: " + e.getMessage());
                }
            }
            prepared.put(action, invocations);
            return Optional.empty();
        }

        @Override
        public void run(Action action) {
            if (action instanceof Action.Label a) {
                if (!pods.label(rss, a.pod(), a.role()) && a.role().isEmpty()) {
                    unlabelled.add(a.pod());
                }
            } else if (action instanceof Action.DeletePod a) {
                ledger.podDeleted(a.pod(), clock.instant());
                pods.delete(rss, a.pod(), a.why());
            } else if (action instanceof Action.Refuse a) {
                events.warning(rss, RssEvents.RECOVERY_REFUSED, a.reason());
            } else if (action instanceof Action.RefuseForceSeed a) {
                events.warning(rss, RssEvents.FORCE_SEED_REFUSED, a.reason());
            } else if (stopsWithoutHook(action)) {
                // Without a stop hook the only way to stop a copy is to end its container.
                String pod = action.hookTargets().get(0);
                ledger.podDeleted(pod, clock.instant());
                pods.delete(rss, pod, "stopping " + pod + " (no stop hook is configured)");
            } else if (prepared.containsKey(action)) {
                announce(action);
                prepared.get(action).forEach(invocation -> launch(invocation, action.peers()));
            }
            // WaitFor is reported once per pass by the reconciler; ResizeStatefulSet is applied through the
            // StatefulSet dependent; RecordHighWaterMark and Steady are already in the persisted record.
        }

        private boolean stopsWithoutHook(Action action) {
            return (action instanceof Action.Stop || action instanceof Action.RestartMember)
                    && rss.getSpec().getHooks().getStop() == null;
        }

        private void announce(Action action) {
            if (action instanceof Action.Seed a) {
                if (a.forced()) {
                    events.warning(rss, RssEvents.FORCED_SEED, "seeding " + a.pod() + " in epoch " + a.epoch()
                            + " because the force-seed annotation named it; copies with newer data may lose it");
                }
                events.normal(rss, RssEvents.SEED_ELECTED, "elected " + a.pod() + " with sequence " + a.sequence()
                        + " as the seed of epoch " + a.epoch());
            } else if (action instanceof Action.Stop a
                    && ResourceNames.ordinalOf(rss, a.pod()) >= rss.getSpec().replicasOrZero()) {
                events.normal(rss, RssEvents.SCALE_DOWN_STOP, "stopping " + a.pod() + ": " + a.why());
            } else if (action instanceof Action.RestartMember a) {
                events.normal(rss, RssEvents.MEMBER_RESTARTED, "restarting " + a.pod() + ": " + a.why());
            } else if (action instanceof Action.CollectSequences a) {
                completions.newSequenceRound(rss, a.pods());
            }
        }

        /**
         * Every peer is still the pod this pass saw running: present, with the same UID, not going away. Asked
         * right before the exec starts, because the pass planned on what it saw then, and asked of the API server,
         * because the informer cache may not have seen a deletion yet.
         */
        private Optional<String> peersStillThere(List<String> peers) {
            if (peers.isEmpty()) {
                return Optional.empty();
            }
            Map<String, Pod> current;
            try {
                current = podsReadAfter(System.nanoTime());
            } catch (RuntimeException e) {
                return Optional.of("the peers' pods could not be read: " + e.getMessage());
            }
            for (String peer : peers) {
                Pod planned = cachedPods.get(peer);
                Pod now = current.get(peer);
                if (planned == null || now == null) {
                    return Optional.of("the pod of peer " + peer + " is gone since the pass planned");
                }
                if (!now.getMetadata().getUid().equals(planned.getMetadata().getUid())) {
                    return Optional.of("the pod of peer " + peer + " was replaced since the pass planned");
                }
                if (now.getMetadata().getDeletionTimestamp() != null) {
                    return Optional.of("the pod of peer " + peer + " is being deleted");
                }
            }
            return Optional.empty();
        }

        /**
         * The resource's pods as read from the API server by a read that started at or after {@code askedAt}. The
         * start hooks of one step ask at once: one read serves all who asked before it began, so a step of 50
         * starts costs two reads, not 50, and no exec uses a read older than its own question.
         */
        private Map<String, Pod> podsReadAfter(long askedAt) {
            synchronized (podReads) {
                if (lastPodRead != null && lastPodReadStartedAt >= askedAt) {
                    return lastPodRead;
                }
                long started = System.nanoTime();
                lastPodRead = pods.current(rss);
                lastPodReadStartedAt = started;
                return lastPodRead;
            }
        }

        private void launch(HookInvocation invocation, List<String> peers) {
            String pod = invocation.pod();
            if (invocation.hook() == HookKind.STOP && unlabelled.contains(pod)) {
                String why = "the stop hook of " + pod + " did not run: its role label could not be removed first,"
                        + " so clients could still be sent to it; it is planned again in the next pass";
                LOG.warn(why);
                events.warning(rss, RssEvents.ACTION_NOT_RUN, why);
                return;
            }
            Optional<HookLedger.Ticket> ticket = ledger.begin(pod, invocation.hook(), clock.instant());
            if (ticket.isEmpty()) {
                // The refusal check ran in this pass on this thread; only a bug can get here. Never silent.
                String why = "the " + invocation.hook().tag() + " hook of " + pod + " did not run: another hook"
                        + " started there since this pass checked; it is planned again in the next pass";
                LOG.error(why);
                events.warning(rss, RssEvents.ACTION_NOT_RUN, why);
                return;
            }
            ResourceID id = ResourceID.fromResource(rss);
            hooks.run(invocation, (inv, at) -> ledger.lateStart(pod, at.plus(mayRunFor(inv)), at), cachedPods.get(pod),
                    () -> peersStillThere(peers))
                    .whenComplete((result, error) -> {
                        try {
                            completions.record(rss, ledger, ticket.get(), invocation, result, error,
                                    ticket.get().startedAt().plus(mayRunFor(invocation)));
                        } catch (RuntimeException e) {
                            LOG.errorf(e, "could not record the end of the %s hook on %s/%s", invocation.hook().tag(),
                                    invocation.namespace(), pod);
                        } finally {
                            wake.accept(id);
                        }
                    });
        }
    }
}
