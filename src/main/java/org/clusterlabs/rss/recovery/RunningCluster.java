package org.clusterlabs.rss.recovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** At least one primary runs: never seed; join, promote, stop, scale and roll around the running primaries. */
final class RunningCluster {

    private final PlanContext ctx;
    private final PlannerSpec spec;
    private final List<String> notes = new ArrayList<>();

    RunningCluster(PlanContext ctx) {
        this.ctx = ctx;
        this.spec = ctx.spec;
    }

    Decision plan() {
        RecordDraft record = ctx.record;
        record.recoveryStartedAt = Optional.empty();
        // The size that covers every copy seen running: a count alone would miss a running copy at a high ordinal.
        List<Member> running = ctx.members(Member::running);
        int covering = running.stream().mapToInt(m -> m.ordinal() + 1).max().orElse(0);
        record.lastRunningMembers = Math.max(record.lastRunningMembers, Math.max(running.size(), covering));
        List<Member> peers = ctx.members(Member::runningPrimary);
        ctx.view.unconsumedForce().ifPresent(pod -> {
            record.consumedForceSeed = Optional.of(pod);
            notes.add("The force-seed request for " + pod + " was consumed without effect: primaries "
                    + PlanContext.names(peers) + " are running, and a seed never runs beside a running primary.");
        });
        if (ctx.view.statefulSetReplicas() < spec.replicas()) {
            ctx.add(new Action.ResizeStatefulSet(spec.replicas()));
            notes.add("Scaling the StatefulSet up to " + spec.replicas() + " pods.");
        }
        List<Member> outdatedStopped = ctx.members(m -> ctx.wanted(m) && m.startable() && !m.upToDate());
        for (Member m : outdatedStopped) {
            ctx.add(new Action.DeletePod(m.pod(), m.pod() + " is stopped on an old pod template; its pod is"
                    + " recreated with the new one"));
        }
        int starts = joinAndBalance(PlanContext.pods(peers));
        scaleDown();
        boolean healthy = healthy();
        if (ctx.actions.isEmpty() && healthy) {
            rollOneMember();
        }
        boolean idle = ctx.actions.isEmpty();
        if (idle && healthy) {
            ctx.add(new Action.Steady());
            String message = "All " + spec.replicas() + " copies run in their wanted roles (primaries: "
                    + PlanContext.names(ctx.members(m -> m.runningPrimary() && ctx.wanted(m))) + ").";
            return ctx.decide(ClusterPhase.RUNNING, "AllMembersRunning", withNotes(message));
        }
        List<Member> notRunning = ctx.members(m -> ctx.wanted(m) && !m.running());
        if (idle) {
            for (Member m : notRunning) {
                ctx.add(new Action.WaitFor(List.of(m.pod()), whyNotJoining(m)));
            }
        }
        String message = notRunning.isEmpty() ? "Adjusting the running copies."
                : "Primaries " + PlanContext.names(peers) + " run; not yet running in their role: "
                        + String.join("; ", notRunning.stream().map(this::whyNotJoining).toList()) + ".";
        return ctx.decide(ClusterPhase.DEGRADED, starts > 0 ? "JoiningMembers" : "Degraded", withNotes(message));
    }

    /** Starts stopped copies as primaries up to the wanted count, the rest as secondaries. Returns the starts. */
    private int joinAndBalance(List<String> peers) {
        int wanted = spec.wantedPrimaries();
        List<Member> primaries = ctx.members(m -> m.runningPrimary() && ctx.wanted(m));
        List<Member> secondaries = ctx.members(m -> m.runningSecondary() && ctx.wanted(m));
        List<Member> joinable = ctx.members(m -> ctx.wanted(m) && m.startable() && m.upToDate());
        if (primaries.size() > wanted) {
            Member extra = primaries.get(primaries.size() - 1);
            if (extra.busy()) {
                notes.add("Too many primaries run; " + extra.pod() + " is stopped once its hook ends.");
                return 0;
            }
            ctx.add(new Action.Stop(extra.pod(), primaries.size() + " primaries run but " + wanted
                    + " are wanted; stopping the highest ordinal, " + extra.pod()));
            return 0;
        }
        List<Member> newPrimaries = List.of();
        if (primaries.size() < wanted) {
            boolean primaryStarting = ctx.members.stream().anyMatch(m -> m.view().hookInFlight()
                    .filter(h -> h == HookKind.SEED || h == HookKind.PRIMARY).isPresent());
            if (spec.primaryStart() == PrimaryStartPolicy.SERIAL && primaryStarting) {
                notes.add("A primary is starting; the next one starts once it reports RUNNING_PRIMARY.");
                return 0;
            }
            int count = spec.primaryStart() == PrimaryStartPolicy.SERIAL ? 1 : wanted - primaries.size();
            List<Member> promotable = new ArrayList<>(joinable);
            promotable.addAll(secondaries.stream().filter(m -> !m.busy()).toList());
            if (promotable.isEmpty()) {
                return 0;
            }
            if (promotable.size() > count) {
                List<Member> unranked = promotable.stream().filter(m -> m.canRunHooks())
                        .filter(m -> m.rankingSequence().isEmpty()).toList();
                if (!unranked.isEmpty()) {
                    ctx.add(new Action.CollectSequences(PlanContext.pods(unranked)));
                    notes.add("Reading the sequences of " + PlanContext.names(unranked)
                            + " to promote the most up-to-date copy first.");
                    return 0;
                }
            }
            promotable.sort(Comparator.comparing(RunningCluster::rankKnownFirst)
                    .thenComparing(Comparator.comparingLong(RunningCluster::knownOrZero).reversed())
                    .thenComparingInt(Member::ordinal));
            List<Member> chosen = promotable.subList(0, Math.min(count, promotable.size()));
            newPrimaries = chosen.stream().filter(joinable::contains).toList();
            for (Member m : chosen) {
                if (secondaries.contains(m)) {
                    ctx.add(new Action.Stop(m.pod(), "too few primaries run (" + primaries.size() + " of " + wanted
                            + "); stopping secondary " + m.pod() + " to restart it as a primary"));
                }
            }
            if (!newPrimaries.isEmpty()) {
                ctx.add(new Action.StartPrimaries(PlanContext.pods(newPrimaries), peers));
            }
            if (primaries.size() + chosen.size() < wanted) {
                return newPrimaries.size();
            }
        }
        List<Member> chosenPrimaries = newPrimaries;
        List<Member> newSecondaries = joinable.stream().filter(m -> !chosenPrimaries.contains(m)).toList();
        if (!newSecondaries.isEmpty() && primaries.size() + newPrimaries.size() >= wanted && !primaries.isEmpty()) {
            ctx.add(new Action.StartSecondaries(PlanContext.pods(newSecondaries), peers));
        }
        return newPrimaries.size() + newSecondaries.size();
    }

    /** Ranking a Known sequence first; an Unknown is never given a number. */
    private static int rankKnownFirst(Member m) {
        return knownSequence(m).isPresent() ? 0 : 1;
    }

    private static long knownOrZero(Member m) {
        return knownSequence(m).orElse(0L);
    }

    private static Optional<Long> knownSequence(Member m) {
        return m.rankingSequence().map(Observed::value).filter(SequenceResult.Known.class::isInstance)
                .map(s -> ((SequenceResult.Known) s).value());
    }

    /** Departing copies are stopped first; the StatefulSet shrinks only once each of them is known to be stopped. */
    private void scaleDown() {
        List<Member> departing = ctx.members(m -> !ctx.wanted(m));
        if (departing.isEmpty() && ctx.view.statefulSetReplicas() <= spec.replicas()) {
            return;
        }
        boolean wantedPrimaryRuns = !ctx.members(m -> m.runningPrimary() && ctx.wanted(m)).isEmpty();
        if (!wantedPrimaryRuns && spec.replicas() > 0) {
            notes.add("Scale-down waits for a primary among the remaining copies.");
            return;
        }
        for (Member m : departing) {
            if (m.running() && !m.busy()) {
                ctx.add(new Action.Stop(m.pod(), "scaling down to " + spec.replicas() + " replicas: " + m.pod()
                        + " is stopped before its pod is removed"));
            }
        }
        if (departing.stream().allMatch(Member::knownStopped)) {
            ctx.add(new Action.ResizeStatefulSet(spec.replicas()));
            // A completed scale-down lowers the guard; a scale to zero keeps it for the next scale-up.
            if (spec.replicas() > 0) {
                ctx.record.lastRunningMembers = Math.min(ctx.record.lastRunningMembers, spec.replicas());
            }
            notes.add("Scaling the StatefulSet down to " + spec.replicas() + " pods.");
        } else {
            notes.add("Stopping " + PlanContext.names(departing.stream().filter(m -> !m.knownStopped()).toList())
                    + " before the StatefulSet shrinks.");
        }
    }

    private boolean healthy() {
        long primaries = ctx.members(m -> m.runningPrimary() && ctx.wanted(m)).size();
        boolean allRunning = ctx.members(ctx::wanted).stream().allMatch(Member::running);
        boolean noneDeparting = ctx.members(m -> !ctx.wanted(m)).isEmpty();
        return allRunning && noneDeparting && primaries == spec.wantedPrimaries()
                && ctx.view.statefulSetReplicas() == spec.replicas();
    }

    /** A template change rolls one copy at a time: secondaries first, then primaries, highest ordinal first. */
    private void rollOneMember() {
        List<Member> outdated = ctx.members(m -> m.running() && !m.upToDate());
        // The next in the roll's order waits for a hook running on it (a status check): it is never skipped.
        Optional<Member> next = outdated.stream()
                .max(Comparator.comparing((Member m) -> m.runningSecondary()).thenComparingInt(Member::ordinal))
                .filter(m -> !m.busy());
        next.ifPresent(m -> {
            ctx.add(new Action.Stop(m.pod(), "the pod template changed: rolling " + m.pod()
                    + " (stop, then a new pod, then it rejoins)"));
            notes.add("Rolling update: " + m.pod() + " is stopped to get the new template.");
        });
    }

    private String whyNotJoining(Member m) {
        if (!m.podExists()) {
            return "the pod of " + m.pod() + " does not exist yet";
        }
        if (!m.view().nodeReachable()) {
            return m.pod() + " is on a node that is not Ready";
        }
        if (m.busy()) {
            return "the " + m.view().hookInFlight().get().name().toLowerCase() + " hook is running on " + m.pod();
        }
        if (m.view().phase() != PodPhase.RUNNING) {
            return "the pod of " + m.pod() + " is " + m.view().phase();
        }
        if (m.failed()) {
            return m.pod() + " reported a failed status";
        }
        return m.pod() + " is stopped and waits for its turn to start";
    }

    private String withNotes(String message) {
        return notes.isEmpty() ? message : message + " " + String.join(" ", notes);
    }
}
