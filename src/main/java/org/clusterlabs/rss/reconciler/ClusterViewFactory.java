package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.HooksSpec;
import org.clusterlabs.rss.api.v1alpha1.KubeDuration;
import org.clusterlabs.rss.api.v1alpha1.RecoverySpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetSpec;
import org.clusterlabs.rss.recovery.ClusterView;
import org.clusterlabs.rss.recovery.HookLedger;
import org.clusterlabs.rss.recovery.MemberView;
import org.clusterlabs.rss.recovery.MissingMembersPolicy;
import org.clusterlabs.rss.recovery.PlannerSpec;
import org.clusterlabs.rss.recovery.PodPhase;
import org.clusterlabs.rss.recovery.PrimaryStartPolicy;
import org.clusterlabs.rss.resources.Labels;
import org.clusterlabs.rss.resources.ResourceNames;

/** Turns what the reconciler observed in Kubernetes (and remembers of hooks) into the planner's plain view. */
final class ClusterViewFactory {

    static final String REVISION_LABEL = "controller-revision-hash";

    private ClusterViewFactory() {
    }

    /**
     * @param ledger this process's hook ledger of the resource
     * @param lostHookGrace how long after its timeout a hook may still start or run in the pod (the exec's upgrade
     *        retries, and the kill grace when the hook is wrapped in {@code timeout -k})
     */
    static ClusterView build(ReplicatedStatefulSet rss, Optional<StatefulSet> sts, Collection<Pod> pods,
            Function<String, Optional<Node>> nodes, HookLedger ledger, Duration lostHookGrace,
            Duration seedRetryBackoff, Instant now) {
        ReplicatedStatefulSetSpec spec = rss.getSpec();
        int stsReplicas = sts.map(s -> s.getSpec().getReplicas()).filter(Objects::nonNull).orElse(0);
        String updateRevision = sts.map(StatefulSet::getStatus).map(s -> s.getUpdateRevision()).orElse(null);
        Map<String, Pod> byName = pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p,
                (a, b) -> a));
        int highestPod = pods.stream().mapToInt(p -> ResourceNames.ordinalOf(rss, p.getMetadata().getName()))
                .max().orElse(-1);
        int count = Math.max(Math.max(spec.replicasOrZero(), stsReplicas), highestPod + 1);
        List<MemberView> members = new ArrayList<>();
        for (int ordinal = 0; ordinal < count; ordinal++) {
            String name = ResourceNames.pod(rss, ordinal);
            Pod pod = byName.get(name);
            members.add(member(name, ordinal, pod, nodes, ledger, updateRevision));
        }
        String force = rss.getMetadata().getAnnotations() == null ? null
                : rss.getMetadata().getAnnotations().get(ReplicatedStatefulSet.FORCE_SEED_ANNOTATION);
        Duration mayRunFor = longestHookTimeout(spec.getHooks()).plus(lostHookGrace);
        Instant orphanHooksEndBy = ledger.orphanHooksEndBy(() -> lastRecordedStart(rss).map(at -> at.plus(mayRunFor))
                .orElse(Instant.MIN), lastRecordedStart(rss), mayRunFor);
        return new ClusterView(plannerSpec(spec, seedRetryBackoff), stsReplicas, members,
                RecordedStates.read(rss.getStatus()), Optional.ofNullable(force).filter(s -> !s.isBlank()), now,
                orphanHooksEndBy);
    }

    static PlannerSpec plannerSpec(ReplicatedStatefulSetSpec spec, Duration seedRetryBackoff) {
        RecoverySpec recovery = spec.recoveryOrDefault();
        return new PlannerSpec(
                spec.replicasOrZero(),
                spec.wantedPrimaries(),
                recovery.getWhenMembersMissing() == RecoverySpec.MissingMembersPolicy.Quorum
                        ? MissingMembersPolicy.QUORUM : MissingMembersPolicy.WAIT,
                recovery.getPrimaryStart() == RecoverySpec.PrimaryStartPolicy.Parallel
                        ? PrimaryStartPolicy.PARALLEL : PrimaryStartPolicy.SERIAL,
                KubeDuration.parseOr(recovery.getReportTimeout(), Duration.ofMinutes(5)),
                recovery.getFailureThreshold() == null ? 3 : recovery.getFailureThreshold(),
                recovery.getSeedRetries() == null ? 3 : recovery.getSeedRetries(),
                seedRetryBackoff,
                statusPeriod(spec));
    }

    static Duration statusPeriod(ReplicatedStatefulSetSpec spec) {
        return KubeDuration.parseOr(spec.getHooks().getStatus().getPeriod(), Duration.ofSeconds(10));
    }

    private static MemberView member(String name, int ordinal, Pod pod, Function<String, Optional<Node>> nodes,
            HookLedger ledger, String updateRevision) {
        if (pod == null) {
            HookLedger.Knowledge k = ledger.knowledge(name);
            return new MemberView(name, ordinal, false, PodPhase.PENDING, false, true, true, k.status(),
                    k.sequence(), k.inFlight(), k.lastStartOrStopAt(), k.hooksMayRunUntil(), Optional.empty(),
                    k.unknownSequenceSince());
        }
        ledger.podSeen(name, pod.getMetadata().getUid());
        HookLedger.Knowledge k = ledger.knowledge(name);
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        boolean upToDate = updateRevision == null || updateRevision.equals(labels.get(REVISION_LABEL));
        return new MemberView(name, ordinal, true, phase(pod), PodConditions.isReady(pod),
                nodeReachable(pod, nodes), upToDate, k.status(), k.sequence(), k.inFlight(), k.lastStartOrStopAt(),
                k.hooksMayRunUntil(), RoleLabel.read(labels.get(Labels.ROLE)), k.unknownSequenceSince());
    }

    /**
     * The operator records the time before it starts any seed, primary, secondary or stop hook. What this process
     * finds recorded when it first sees the resource is therefore the latest start of any earlier process; what it
     * finds later and did not write itself, the latest start of another writer.
     */
    private static Optional<Instant> lastRecordedStart(ReplicatedStatefulSet rss) {
        return Optional.ofNullable(rss.getStatus()).map(s -> s.getLastStartHookAt()).map(Instant::parse);
    }

    /** A pod on a node that is not Ready, or whose node is unknown, may still be running: it is not reachable. */
    private static boolean nodeReachable(Pod pod, Function<String, Optional<Node>> nodes) {
        String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (nodeName == null) {
            return true;
        }
        return nodes.apply(nodeName).map(PodConditions::isNodeReady).orElse(false);
    }

    private static PodPhase phase(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return PodPhase.TERMINATING;
        }
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if (phase == null) {
            return PodPhase.PENDING;
        }
        return switch (phase) {
            case "Running" -> PodPhase.RUNNING;
            case "Succeeded" -> PodPhase.SUCCEEDED;
            case "Failed" -> PodPhase.FAILED;
            case "Pending" -> PodPhase.PENDING;
            default -> PodPhase.UNKNOWN;
        };
    }

    private static Duration longestHookTimeout(HooksSpec hooks) {
        return Stream.of(hooks.getSequence(), hooks.getSeed(), hooks.getPrimary(), hooks.getSecondary(),
                        hooks.getStatus(), hooks.getStop())
                .filter(Objects::nonNull)
                .map(HookSpec::getTimeout)
                .map(t -> KubeDuration.parseOr(t, Duration.ZERO))
                .max(Duration::compareTo)
                .orElse(Duration.ZERO);
    }
}
