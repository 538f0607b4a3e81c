package org.clusterlabs.rss.recovery;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the reconciler does next. Actions in one decision are independent and may run in parallel. */
public sealed interface Action {

    /** The hook this action runs in each of its {@link #hookTargets()}, if it runs one. */
    default Optional<HookKind> hook() {
        if (this instanceof CheckStatus) {
            return Optional.of(HookKind.STATUS);
        }
        if (this instanceof CollectSequences) {
            return Optional.of(HookKind.SEQUENCE);
        }
        if (this instanceof Seed) {
            return Optional.of(HookKind.SEED);
        }
        if (this instanceof StartPrimaries) {
            return Optional.of(HookKind.PRIMARY);
        }
        if (this instanceof StartSecondaries) {
            return Optional.of(HookKind.SECONDARY);
        }
        if (this instanceof Stop || this instanceof RestartMember) {
            return Optional.of(HookKind.STOP);
        }
        return Optional.empty();
    }

    /** The pods this action runs its hook in (empty when it runs none). */
    default List<String> hookTargets() {
        if (this instanceof CheckStatus a) {
            return a.pods();
        }
        if (this instanceof CollectSequences a) {
            return a.pods();
        }
        if (this instanceof Seed a) {
            return List.of(a.pod());
        }
        if (this instanceof StartPrimaries a) {
            return a.pods();
        }
        if (this instanceof StartSecondaries a) {
            return a.pods();
        }
        if (this instanceof Stop a) {
            return List.of(a.pod());
        }
        if (this instanceof RestartMember a) {
            return List.of(a.pod());
        }
        return List.of();
    }

    /** The running primaries whose addresses the hook gets as extra arguments. */
    default List<String> peers() {
        if (this instanceof StartPrimaries a) {
            return a.peers();
        }
        if (this instanceof StartSecondaries a) {
            return a.peers();
        }
        return List.of();
    }

    /** Whether the action runs a hook that may start or stop the app (recorded in status before it runs). */
    default boolean startsOrStops() {
        return this instanceof Seed || this instanceof StartPrimaries || this instanceof StartSecondaries
                || this instanceof Stop || this instanceof RestartMember;
    }

    /**
     * Set (or, when empty, remove) the pod's role label, which the client Service selects on. Labels change before
     * the hooks of the same decision run, so a copy about to be stopped leaves the Service first.
     */
    record Label(String pod, Optional<Role> role) implements Action {
        public Label {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(role, "role");
        }
    }

    /** Run the status hook. */
    record CheckStatus(List<String> pods) implements Action {
        public CheckStatus {
            pods = List.copyOf(pods);
        }
    }

    /** Run the sequence hook on every listed pod, in parallel. */
    record CollectSequences(List<String> pods) implements Action {
        public CollectSequences {
            pods = List.copyOf(pods);
        }
    }

    /** Nothing to do on these pods until they change; the reason is a sentence for the user. */
    record WaitFor(List<String> pods, String reason) implements Action {
        public WaitFor {
            pods = List.copyOf(pods);
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Run the seed hook (no peers). Its record is already in {@link Decision#record()}. */
    record Seed(String pod, long epoch, long sequence, boolean forced) implements Action {
        public Seed {
            Objects.requireNonNull(pod, "pod");
        }
    }

    /** Run the primary hook on each pod, with the running primaries' pod names as peers. */
    record StartPrimaries(List<String> pods, List<String> peers) implements Action {
        public StartPrimaries {
            pods = List.copyOf(pods);
            peers = List.copyOf(peers);
        }
    }

    /** Run the secondary hook on each pod, with the running primaries' pod names as peers. */
    record StartSecondaries(List<String> pods, List<String> peers) implements Action {
        public StartSecondaries {
            pods = List.copyOf(pods);
            peers = List.copyOf(peers);
        }
    }

    /** Run the stop hook. */
    record Stop(String pod, String why) implements Action {
        public Stop {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(why, "why");
        }
    }

    /** Run the stop hook on a failed copy; the planner starts it again in its role once it reports NOT_RUNNING. */
    record RestartMember(String pod, String why) implements Action {
        public RestartMember {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(why, "why");
        }
    }

    /** Delete the pod; the StatefulSet recreates it on the same volume. */
    record DeletePod(String pod, String why) implements Action {
        public DeletePod {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(why, "why");
        }
    }

    /** Set the owned StatefulSet's spec.replicas. */
    record ResizeStatefulSet(int replicas) implements Action {
    }

    /** Informational: the decision's record raises (or, when forced, sets) the high-water mark. */
    record RecordHighWaterMark(long value) implements Action {
    }

    /** The planner will not go on without the user; the reason says what to do. */
    record Refuse(String reason) implements Action {
        public Refuse {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The force-seed annotation names a pod that is not a wanted copy: the request is consumed without effect, and
     * the reason says so.
     */
    record RefuseForceSeed(String pod, String reason) implements Action {
        public RefuseForceSeed {
            Objects.requireNonNull(pod, "pod");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Every copy runs in its wanted role. */
    record Steady() implements Action {
    }
}
