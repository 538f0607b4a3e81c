package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.hooks.HookExecutor;
import org.clusterlabs.rss.hooks.HookResult;
import org.clusterlabs.rss.hooks.HookResults;
import org.clusterlabs.rss.recovery.Action;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.recovery.Observed;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.clusterlabs.rss.resources.ResourceNames;
import org.jboss.logging.Logger;

/**
 * Carries out the planner's actions. Hooks run asynchronously: a slow hook never holds a reconciler thread, and its
 * completion is remembered and wakes the resource up for the next pass.
 */
@ApplicationScoped
public class ActionRunner {

    private static final Logger LOG = Logger.getLogger(ActionRunner.class);

    private final HookExecutor hooks;
    private final MemberMemory memory;
    private final RssEvents events;
    private final KubernetesClient client;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, SequenceRound> rounds = new ConcurrentHashMap<>();

    public ActionRunner(HookExecutor hooks, MemberMemory memory, RssEvents events, KubernetesClient client) {
        this.hooks = hooks;
        this.memory = memory;
        this.events = events;
        this.client = client;
    }

    /** Runs every action of a decision; returns at once, hooks go on in the background. */
    public void run(ReplicatedStatefulSet rss, List<Action> actions, Consumer<ResourceID> wake) {
        String waiting = actions.stream().filter(Action.WaitFor.class::isInstance)
                .map(a -> ((Action.WaitFor) a).reason()).distinct().collect(Collectors.joining("; "));
        if (!waiting.isEmpty()) {
            events.once(rss, "Normal", RssEvents.WAITING_FOR_MEMBERS, waiting);
        }
        for (Action action : actions) {
            if (action instanceof Action.CheckStatus a) {
                a.pods().forEach(pod -> hook(rss, HookKind.STATUS, pod, List.of(), wake));
            } else if (action instanceof Action.CollectSequences a) {
                rounds.put(HookInvocations.ownerKey(rss), new SequenceRound(a.pods()));
                a.pods().forEach(pod -> hook(rss, HookKind.SEQUENCE, pod, List.of(), wake));
            } else if (action instanceof Action.Seed a) {
                if (a.forced()) {
                    events.warning(rss, RssEvents.FORCED_SEED, "seeding " + a.pod() + " in epoch " + a.epoch()
                            + " because the force-seed annotation named it; copies with newer data may lose it");
                }
                events.normal(rss, RssEvents.SEED_ELECTED, "elected " + a.pod() + " with sequence " + a.sequence()
                        + " as the seed of epoch " + a.epoch());
                hook(rss, HookKind.SEED, a.pod(), List.of(), wake);
            } else if (action instanceof Action.StartPrimaries a) {
                a.pods().forEach(pod -> hook(rss, HookKind.PRIMARY, pod, a.peers(), wake));
            } else if (action instanceof Action.StartSecondaries a) {
                a.pods().forEach(pod -> hook(rss, HookKind.SECONDARY, pod, a.peers(), wake));
            } else if (action instanceof Action.Stop a) {
                if (ResourceNames.ordinalOf(rss, a.pod()) >= rss.getSpec().replicasOrZero()) {
                    events.normal(rss, RssEvents.SCALE_DOWN_STOP, "stopping " + a.pod() + ": " + a.why());
                }
                stop(rss, a.pod(), a.why(), wake);
            } else if (action instanceof Action.RestartMember a) {
                events.normal(rss, RssEvents.MEMBER_RESTARTED, "restarting " + a.pod() + ": " + a.why());
                stop(rss, a.pod(), a.why(), wake);
            } else if (action instanceof Action.DeletePod a) {
                deletePod(rss, a.pod(), a.why());
            } else if (action instanceof Action.Refuse a) {
                events.once(rss, "Warning", RssEvents.REGRESSION_REFUSED, a.reason());
            }
            // ResizeStatefulSet is applied through the StatefulSet dependent; RecordHighWaterMark and Steady are
            // already in the persisted record.
        }
    }

    private void stop(ReplicatedStatefulSet rss, String pod, String why, Consumer<ResourceID> wake) {
        if (rss.getSpec().getHooks().getStop() == null) {
            // Without a stop hook the only way to stop a copy is to end its container.
            deletePod(rss, pod, why + " (no stop hook is configured)");
        } else {
            hook(rss, HookKind.STOP, pod, List.of(), wake);
        }
    }

    private void deletePod(ReplicatedStatefulSet rss, String pod, String why) {
        String ns = rss.getMetadata().getNamespace();
        memory.find(ns, pod).ifPresent(m -> m.lastStartOrStopAt = clock.instant());
        try {
            client.pods().inNamespace(ns).withName(pod).delete();
            events.normal(rss, RssEvents.POD_DELETED, "deleted " + pod + ": " + why);
        } catch (KubernetesClientException e) {
            LOG.warnf("could not delete pod %s/%s: %s", ns, pod, e.getMessage());
        }
    }

    private void hook(ReplicatedStatefulSet rss, HookKind kind, String pod, List<String> peers,
            Consumer<ResourceID> wake) {
        Optional<HookSpec> spec = HookInvocations.specOf(rss.getSpec().getHooks(), kind);
        if (spec.isEmpty()) {
            return;
        }
        String ns = rss.getMetadata().getNamespace();
        MemberMemory.Member member = memory.find(ns, pod).orElseGet(() -> memory.of(ns, pod, null));
        if (member.inFlight != null) {
            return;
        }
        member.inFlight = kind;
        if (kind.starts() || kind == HookKind.STOP) {
            member.lastStartOrStopAt = clock.instant();
        }
        ResourceID id = ResourceID.fromResource(rss);
        hooks.run(HookInvocations.invocation(rss, kind, spec.get(), pod, peers))
                .whenComplete((result, error) -> {
                    try {
                        if (result != null) {
                            record(rss, kind, member, result);
                        }
                    } finally {
                        member.inFlight = null;
                        wake.accept(id);
                    }
                });
    }

    private void record(ReplicatedStatefulSet rss, HookKind kind, MemberMemory.Member member, HookResult result) {
        Instant now = clock.instant();
        String pod = result.invocation().pod();
        switch (kind) {
            case STATUS -> {
                StatusReport report = HookResults.statusOf(result);
                boolean changed = member.status == null || member.status.value() != report;
                member.status = new Observed<>(report, now);
                if (changed) {
                    member.lastHook = new MemberMemory.LastHook(kind, result.outcome().tag(), now,
                            "status: " + report + (report == StatusReport.FAILED ? " (" + result.describe() + ")" : ""));
                    if (report == StatusReport.FAILED) {
                        events.warning(rss, RssEvents.MEMBER_FAILED, failure(result));
                    }
                }
            }
            case SEQUENCE -> {
                SequenceResult sequence = HookResults.parseSequence(result);
                member.sequence = new Observed<>(sequence, now);
                member.lastHook = new MemberMemory.LastHook(kind, result.outcome().tag(), now,
                        sequence instanceof SequenceResult.Unknown u ? u.reason() : "sequence " + value(sequence));
                finishRound(rss, pod, sequence);
            }
            default -> {
                member.lastStartOrStopAt = now;
                member.lastHook = new MemberMemory.LastHook(kind, result.outcome().tag(), now, result.describe());
                if (!result.succeeded()) {
                    events.warning(rss, RssEvents.MEMBER_FAILED, failure(result));
                } else if (kind == HookKind.SEED) {
                    events.normal(rss, RssEvents.SEEDED, pod + " was seeded");
                } else if (kind == HookKind.PRIMARY || kind == HookKind.SECONDARY) {
                    events.normal(rss, RssEvents.MEMBER_STARTED, pod + " started as "
                            + kind.tag());
                }
            }
        }
    }

    /** The hook's own last word is usually its reason (for Galera: "Reversing history ... Must abort"). */
    private static String failure(HookResult result) {
        String last = result.stderr().lastLine();
        return last.isEmpty() || last.equals(result.stderr().firstLine()) ? result.describe()
                : result.describe() + "; last stderr line: \"" + last + "\"";
    }

    private void finishRound(ReplicatedStatefulSet rss, String pod, SequenceResult sequence) {
        String key = HookInvocations.ownerKey(rss);
        SequenceRound round = rounds.get(key);
        if (round != null && round.complete(pod, sequence) && rounds.remove(key, round)) {
            events.normal(rss, RssEvents.SEQUENCES_COLLECTED, round.describe());
        }
    }

    private static String value(SequenceResult s) {
        return s instanceof SequenceResult.Known k ? Long.toString(k.value())
                : "unknown (" + ((SequenceResult.Unknown) s).reason() + ")";
    }

    /** One parallel collection of sequences, reported in a single Event when the last pod answered. */
    private static final class SequenceRound {
        private final List<String> pods;
        private final Map<String, SequenceResult> results = new TreeMap<>();

        SequenceRound(List<String> pods) {
            this.pods = List.copyOf(pods);
        }

        synchronized boolean complete(String pod, SequenceResult result) {
            results.put(pod, result);
            return results.keySet().containsAll(pods);
        }

        synchronized String describe() {
            return results.entrySet().stream().map(e -> e.getKey() + "=" + value(e.getValue()))
                    .collect(Collectors.joining(", "));
        }
    }
}
