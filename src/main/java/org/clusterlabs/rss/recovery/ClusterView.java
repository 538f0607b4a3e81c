package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the planner may look at.
 *
 * @param statefulSetReplicas the owned StatefulSet's current spec.replicas
 * @param members one per ordinal 0..max(spec.replicas, statefulSetReplicas)-1
 * @param forceSeedPod the pod named by the force-seed annotation, if any (consumed when it equals
 *        {@code recorded.consumedForceSeed})
 * @param orphanHooksEndBy hooks started by an earlier operator process, whose results this process never sees, have
 *        all ended by then: this process's start time plus the longest hook timeout. No seed runs before it, and
 *        no status observed before it counts for a seed.
 */
public record ClusterView(PlannerSpec spec, int statefulSetReplicas, List<MemberView> members,
        RecordedState recorded, Optional<String> forceSeedPod, Instant now, Instant orphanHooksEndBy) {

    public ClusterView {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(recorded, "recorded");
        Objects.requireNonNull(forceSeedPod, "forceSeedPod");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(orphanHooksEndBy, "orphanHooksEndBy");
        members = members.stream().sorted(Comparator.comparingInt(MemberView::ordinal)).toList();
    }

    /** For a process whose hooks never outlive it (tests, or a reconciler that kills its execs on shutdown). */
    public ClusterView(PlannerSpec spec, int statefulSetReplicas, List<MemberView> members, RecordedState recorded,
            Optional<String> forceSeedPod, Instant now) {
        this(spec, statefulSetReplicas, members, recorded, forceSeedPod, now, Instant.MIN);
    }

    /** A force request that has not been consumed yet. */
    public Optional<String> unconsumedForce() {
        return forceSeedPod.filter(pod -> !recorded.consumedForceSeed().equals(Optional.of(pod)));
    }
}
