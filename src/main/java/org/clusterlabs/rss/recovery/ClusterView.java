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
 */
public record ClusterView(PlannerSpec spec, int statefulSetReplicas, List<MemberView> members,
        RecordedState recorded, Optional<String> forceSeedPod, Instant now) {

    public ClusterView {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(recorded, "recorded");
        Objects.requireNonNull(forceSeedPod, "forceSeedPod");
        Objects.requireNonNull(now, "now");
        members = members.stream().sorted(Comparator.comparingInt(MemberView::ordinal)).toList();
    }

    /** A force request that has not been consumed yet. */
    public Optional<String> unconsumedForce() {
        return forceSeedPod.filter(pod -> !recorded.consumedForceSeed().equals(Optional.of(pod)));
    }
}
