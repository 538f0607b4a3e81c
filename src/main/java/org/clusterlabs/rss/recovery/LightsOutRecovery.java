package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every copy is known to be stopped: retry the recorded seed, or collect sequences and elect a new one. */
final class LightsOutRecovery {

    static final String FORCE_ANNOTATION = "rss.clusterlabs.org/force-seed";

    private final PlanContext ctx;
    private final RecordDraft record;
    private final PlannerSpec spec;

    LightsOutRecovery(PlanContext ctx) {
        this.ctx = ctx;
        this.record = ctx.record;
        this.spec = ctx.spec;
    }

    Decision plan() {
        if (spec.replicas() == 0) {
            if (ctx.view.statefulSetReplicas() != 0) {
                ctx.add(new Action.ResizeStatefulSet(0));
            }
            return ctx.decide(ClusterPhase.PENDING, "ScaledToZero", "Every copy is stopped, as spec.replicas is 0.");
        }
        if (record.recoveryStartedAt.isEmpty()) {
            record.recoveryStartedAt = Optional.of(ctx.now);
        }
        recreateOutdatedPods();
        Optional<String> force = ctx.view.unconsumedForce();
        if (force.isPresent()) {
            return forcedSeed(force.get());
        }
        return proceed();
    }

    /** A recorded seed is retried; otherwise the copies' sequences elect a new one. */
    private Decision proceed() {
        Optional<SeedRecord> pending = record.pendingSeed();
        if (pending.isPresent()) {
            return retrySeed(pending.get());
        }
        if (spec.replicas() < record.lastRunningMembers) {
            String reason = "spec.replicas is " + spec.replicas() + " but " + record.lastRunningMembers
                    + " copies were last running: a copy beyond the first " + spec.replicas()
                    + " may hold the newest data. Set spec.replicas back to " + record.lastRunningMembers
                    + ", or accept a possible loss with the annotation " + FORCE_ANNOTATION + ": <pod>.";
            ctx.add(new Action.Refuse(reason));
            return ctx.decide(ClusterPhase.FAILED, "FewerReplicasThanLastRunning", reason);
        }
        // Never shrink while nothing runs: a departing copy may hold the newest data, so it votes too.
        if (ctx.view.statefulSetReplicas() < spec.replicas()) {
            ctx.add(new Action.ResizeStatefulSet(spec.replicas()));
        }
        return elect();
    }

    /** A stopped copy on an old template gets a new pod first, or a rolling update would never end. */
    private void recreateOutdatedPods() {
        for (Member m : ctx.members(m -> m.canRunHooks() && !m.upToDate() && ctx.wanted(m))) {
            ctx.add(new Action.DeletePod(m.pod(), m.pod() + " runs an old pod template; its pod is recreated"
                    + " before the recovery"));
        }
    }

    private boolean outdated(Member m) {
        return m.podCanRunHooks() && !m.upToDate();
    }

    private Decision forcedSeed(String pod) {
        Optional<Member> target = ctx.member(pod).filter(ctx::wanted);
        if (target.isEmpty()) {
            // Refused and consumed: the request cannot be honoured, and recovery goes on as if it had not been made.
            record.consumedForceSeed = Optional.of(pod);
            ctx.add(new Action.RefuseForceSeed(pod, "The annotation " + FORCE_ANNOTATION + " names " + pod
                    + ", which is not one of the " + spec.replicas() + " wanted copies (ordinals 0 to "
                    + (spec.replicas() - 1) + "). The request was removed and recovery goes on without it; to force"
                    + " a seed, name one of them."));
            return proceed();
        }
        Member m = target.get();
        if (m.busy() && m.podCanRunHooks() && !outdated(m)) {
            ctx.add(new Action.WaitFor(List.of(pod), "the forced seed " + pod + " waits for its "
                    + m.view().hookInFlight().get().tag() + " hook to end"));
            return ctx.decide(ClusterPhase.RECOVERING, "WaitingForForcedSeed",
                    "Waiting for the " + m.view().hookInFlight().get().tag() + " hook on " + pod
                            + ", which the force-seed annotation names, to end.");
        }
        if (!m.canRunHooks() || outdated(m)) {
            ctx.add(new Action.WaitFor(List.of(pod), "the forced seed " + pod + " needs a running pod first"));
            return ctx.decide(ClusterPhase.RECOVERING, "WaitingForForcedSeed",
                    "Waiting for the pod of " + pod + ", which the force-seed annotation names, to run.");
        }
        Optional<Observed<SequenceResult>> sequence = m.sequenceSince(record.recoveryStartedAt.get());
        if (sequence.isEmpty() || sequence.get().value() instanceof SequenceResult.Unknown
                && m.unknownSequenceRereadDue(sequence.get())) {
            ctx.add(new Action.CollectSequences(List.of(pod)));
        }
        if (sequence.isPresent() && sequence.get().value() instanceof SequenceResult.Known known) {
            record.consumedForceSeed = Optional.of(pod);
            record.lastRunningMembers = Math.min(record.lastRunningMembers, spec.replicas());
            if (ctx.view.statefulSetReplicas() < spec.replicas()) {
                ctx.add(new Action.ResizeStatefulSet(spec.replicas()));
            }
            SeedRecord seed = record.openEpoch(pod, known.value(), ctx.now, true);
            ctx.add(new Action.Seed(pod, seed.epoch(), seed.sequence(), true));
            ctx.add(new Action.RecordHighWaterMark(record.highWaterMark.getAsLong()));
            return ctx.decide(ClusterPhase.SEEDING, "ForcedSeed", "Seeding " + pod + " (sequence " + known.value()
                    + ", epoch " + seed.epoch() + ") because the force-seed annotation asks for it; writes that only"
                    + " other copies hold are lost.");
        }
        String why = sequence.map(o -> "its sequence is unknown: " + ((SequenceResult.Unknown) o.value()).reason())
                .orElse("its sequence has not been read yet");
        ctx.add(new Action.WaitFor(List.of(pod), "the forced seed " + pod + " cannot start yet: " + why));
        return ctx.decide(ClusterPhase.RECOVERING, "WaitingForForcedSeed",
                "The force-seed annotation names " + pod + ", but " + why + ".");
    }

    /** A recorded seed is only ever retried on the same copy: moving on could start an older copy. */
    private Decision retrySeed(SeedRecord seed) {
        String pod = seed.pod();
        Optional<Member> member = ctx.member(pod);
        int allowed = 1 + spec.seedRetries();
        if (seed.attempts() >= allowed) {
            String reason = "The seed hook on " + pod + " (epoch " + seed.epoch() + ", sequence " + seed.sequence()
                    + ") did not bring it up in " + seed.attempts() + " attempts. Fix it and set the annotation "
                    + FORCE_ANNOTATION + ": " + pod + " to retry, or name another pod there to accept losing the"
                    + " writes only " + pod + " holds.";
            ctx.add(new Action.Refuse(reason));
            return ctx.decide(ClusterPhase.FAILED, "SeedRetriesExhausted", reason);
        }
        if (member.isEmpty() || !member.get().podCanRunHooks()) {
            ctx.add(new Action.WaitFor(List.of(pod), "the recorded seed " + pod + " needs a running pod before"
                    + " its seed is retried"));
            return ctx.decide(ClusterPhase.SEEDING, "WaitingForSeedPod", "Epoch " + seed.epoch() + " chose " + pod
                    + " as seed; waiting for its pod to run before retrying.");
        }
        Member m = member.get();
        if (m.busy()) {
            ctx.add(new Action.WaitFor(List.of(pod), "the " + m.view().hookInFlight().get().tag() + " hook runs on"
                    + " the recorded seed " + pod));
            return ctx.decide(ClusterPhase.SEEDING, "WaitingForSeedHook", "Epoch " + seed.epoch() + " chose " + pod
                    + " as seed; waiting for the " + m.view().hookInFlight().get().tag() + " hook running there.");
        }
        boolean checkedSinceAttempt = m.statusAt().map(at -> at.isAfter(seed.recordedAt())).orElse(false);
        if (!checkedSinceAttempt) {
            ctx.add(new Action.CheckStatus(List.of(pod)));
            return ctx.decide(ClusterPhase.SEEDING, "CheckingSeed", "Checking whether the seed " + pod
                    + " came up since its last attempt.");
        }
        Instant retryAt = seed.recordedAt().plus(spec.seedRetryBackoff().multipliedBy(seed.attempts()));
        if (ctx.now.isBefore(retryAt)) {
            ctx.add(new Action.WaitFor(List.of(pod), "the seed hook on " + pod + " did not bring it up (attempt "
                    + seed.attempts() + " of " + allowed + "); it is retried at " + retryAt));
            return ctx.decide(ClusterPhase.SEEDING, "SeedBackoff", "The seed " + pod + " did not come up after attempt "
                    + seed.attempts() + " of " + allowed + "; retrying it at " + retryAt + ".");
        }
        SeedRecord retry = new SeedRecord(pod, seed.epoch(), seed.sequence(), ctx.now, seed.attempts() + 1,
                seed.forced());
        record.seed = Optional.of(retry);
        ctx.add(new Action.Seed(pod, retry.epoch(), retry.sequence(), retry.forced()));
        return ctx.decide(ClusterPhase.SEEDING, "RetryingSeed", "Retrying the seed on " + pod + " (attempt "
                + retry.attempts() + " of " + allowed + ", epoch " + retry.epoch() + ", sequence "
                + retry.sequence() + ").");
    }

    private Decision elect() {
        Instant since = record.recoveryStartedAt.get();
        List<String> toCollect = new ArrayList<>();
        List<Election.Candidate> known = new ArrayList<>();
        Map<Member, String> missing = new LinkedHashMap<>();
        for (Member m : ctx.members) {
            if (!m.podExists()) {
                missing.put(m, "the pod of " + m.pod() + " does not exist yet");
            } else if (outdated(m) && ctx.wanted(m)) {
                missing.put(m, "the pod of " + m.pod() + " is being recreated with the new pod template");
            } else if (!m.podCanRunHooks()) {
                missing.put(m, "the pod of " + m.pod() + " cannot run hooks (" + (m.view().nodeReachable()
                        ? "phase " + m.view().phase() : "its node is not Ready") + ")");
            } else {
                Optional<Observed<SequenceResult>> sequence = m.sequenceSince(since);
                if (sequence.isEmpty()) {
                    if (!m.busy()) {
                        toCollect.add(m.pod());
                    }
                    missing.put(m, m.pod() + " has not reported its sequence yet");
                } else if (sequence.get().value() instanceof SequenceResult.Unknown unknown) {
                    if (!m.busy() && m.unknownSequenceRereadDue(sequence.get())) {
                        toCollect.add(m.pod());
                    }
                    missing.put(m, "the sequence of " + m.pod() + " is unknown: " + unknown.reason());
                } else if (sequence.get().value() instanceof SequenceResult.Known k) {
                    known.add(new Election.Candidate(m.pod(), m.ordinal(), k.value()));
                }
            }
        }
        if (!toCollect.isEmpty()) {
            ctx.add(new Action.CollectSequences(toCollect));
        }
        Optional<Election.Candidate> best = Election.best(known);
        long mark = record.highWaterMark.orElse(0);
        if (missing.isEmpty()) {
            Election.Candidate winner = best.orElseThrow();
            Optional<String> busyWinner = ctx.member(winner.pod()).filter(Member::busy)
                    .map(w -> "the " + w.view().hookInFlight().get().tag() + " hook runs on " + w.pod());
            if (busyWinner.isPresent()) {
                ctx.add(new Action.WaitFor(List.of(winner.pod()), busyWinner.get()));
                return ctx.decide(ClusterPhase.RECOVERING, "WaitingForSeedCandidate", winner.pod() + " holds the"
                        + " highest sequence, " + winner.sequence() + "; it is seeded once " + busyWinner.get()
                        + " ends.");
            }
            if (winner.sequence() < mark) {
                String reason = "Every copy reported, but the highest sequence, " + winner.sequence() + " on "
                        + winner.pod() + ", is below the high-water mark " + mark + ": data was lost. To start"
                        + " from it anyway, set the annotation " + FORCE_ANNOTATION + ": " + winner.pod() + ".";
                ctx.add(new Action.Refuse(reason));
                return ctx.decide(ClusterPhase.FAILED, "BelowHighWaterMark", reason);
            }
            return seed(winner, "every copy reported");
        }
        missing.forEach((m, why) -> ctx.add(new Action.WaitFor(List.of(m.pod()), why)));
        String waiting = String.join("; ", missing.values());
        if (spec.whenMembersMissing() == MissingMembersPolicy.QUORUM) {
            Instant deadline = since.plus(spec.reportTimeout());
            if (ctx.now.isBefore(deadline)) {
                return ctx.decide(ClusterPhase.RECOVERING, "CollectingSequences", "Waiting for every copy's sequence"
                        + " until " + deadline + ", when the quorum policy applies: " + waiting + ".");
            }
            if (known.size() * 2 <= spec.replicas()) {
                return ctx.decide(ClusterPhase.RECOVERING, "NoQuorum", "Only " + known.size() + " of "
                        + spec.replicas() + " copies reported a sequence; the quorum policy needs a strict majority: "
                        + waiting + ".");
            }
            Election.Candidate winner = best.orElseThrow();
            if (winner.sequence() < mark) {
                return ctx.decide(ClusterPhase.RECOVERING, "QuorumBelowHighWaterMark", "The best reported sequence, "
                        + winner.sequence() + " on " + winner.pod() + ", is below the high-water mark " + mark
                        + ": a copy that has not reported may hold newer data: " + waiting + ".");
            }
            ctx.actions.removeIf(a -> a instanceof Action.WaitFor || a instanceof Action.CollectSequences);
            return seed(winner, "a majority reported after the report timeout (" + waiting + ")");
        }
        return ctx.decide(ClusterPhase.RECOVERING, "WaitingForSequences",
                "Waiting for every copy's sequence before choosing a seed: " + waiting + ".");
    }

    private Decision seed(Election.Candidate winner, String why) {
        if (winner.ordinal() >= spec.replicas()) {
            String reason = winner.pod() + " holds the highest sequence, " + winner.sequence() + ", but spec.replicas"
                    + " is " + spec.replicas() + ", which leaves it out. Set spec.replicas to at least "
                    + (winner.ordinal() + 1) + ", or accept losing its writes with the annotation " + FORCE_ANNOTATION
                    + ": <pod>.";
            ctx.add(new Action.Refuse(reason));
            return ctx.decide(ClusterPhase.FAILED, "DepartingMemberHoldsNewestData", reason);
        }
        SeedRecord seed = record.openEpoch(winner.pod(), winner.sequence(), ctx.now, false);
        ctx.add(new Action.Seed(winner.pod(), seed.epoch(), seed.sequence(), false));
        ctx.add(new Action.RecordHighWaterMark(record.highWaterMark.getAsLong()));
        return ctx.decide(ClusterPhase.SEEDING, "Seeding", "Seeding " + winner.pod() + " with the highest sequence, "
                + winner.sequence() + ", in epoch " + seed.epoch() + ": " + why + ".");
    }
}
