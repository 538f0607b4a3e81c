package org.clusterlabs.rss.reconciler;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.hooks.HookInvocation;
import org.clusterlabs.rss.hooks.HookOutcome;
import org.clusterlabs.rss.hooks.HookResult;
import org.clusterlabs.rss.hooks.HookResults;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.recovery.HookLedger;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;

/**
 * Records the end of a hook in the resource's {@link HookLedger}, by what the outcome tells of the command: it ran to
 * its end, it certainly never ran, or the operator stopped waiting while it may still run. Also the Events of a
 * hook's end.
 */
@ApplicationScoped
public class HookCompletions {

    private final RssEvents events;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, SequenceRound> rounds = new ConcurrentHashMap<>();

    public HookCompletions(RssEvents events) {
        this.events = events;
    }

    void newSequenceRound(ReplicatedStatefulSet rss, List<String> pods) {
        rounds.put(HookInvocations.ownerKey(rss), new SequenceRound(pods));
    }

    /**
     * @param result null when the runner failed before it produced a result ({@code error} then says why): the
     *        command may have started, so it counts as abandoned
     * @param mayRunUntil until when the command may still run if the operator stopped waiting for it
     */
    void record(ReplicatedStatefulSet rss, HookLedger ledger, HookLedger.Ticket ticket, HookInvocation invocation,
            HookResult result, Throwable error, Instant mayRunUntil) {
        Instant now = clock.instant();
        HookKind kind = ticket.kind();
        if (result == null) {
            String message = kind.tag() + " hook on " + ticket.pod() + " ended with an error in the operator: " + error;
            ledger.abandoned(ticket, now, mayRunUntil, "error", message);
            events.warning(rss, RssEvents.MEMBER_FAILED, message);
            return;
        }
        String outcome = result.outcome().tag();
        switch (kind) {
            case STATUS -> {
                StatusReport report = HookResults.statusOf(result);
                boolean changed = ledger.completed(ticket, now, Optional.of(report), Optional.empty(), outcome,
                        "status: " + report + (report == StatusReport.FAILED ? " (" + result.describe() + ")" : ""));
                if (changed && report == StatusReport.FAILED) {
                    events.warning(rss, RssEvents.MEMBER_FAILED, failure(result));
                }
            }
            case SEQUENCE -> {
                SequenceResult sequence = HookResults.parseSequence(result);
                ledger.completed(ticket, now, Optional.empty(), Optional.of(sequence), outcome,
                        sequence instanceof SequenceResult.Unknown u ? u.reason() : "sequence " + value(sequence));
                finishRound(rss, ticket.pod(), sequence);
            }
            default -> recordStartOrStop(rss, ledger, ticket, result, now, mayRunUntil);
        }
    }

    private void recordStartOrStop(ReplicatedStatefulSet rss, HookLedger ledger, HookLedger.Ticket ticket,
            HookResult result, Instant now, Instant mayRunUntil) {
        HookOutcome outcome = result.outcome();
        String tag = outcome.tag();
        if (outcome instanceof HookOutcome.Succeeded || outcome instanceof HookOutcome.Exited) {
            ledger.completed(ticket, now, Optional.empty(), Optional.empty(), tag, result.describe());
        } else if (outcome instanceof HookOutcome.NotRun notRun) {
            ledger.notStarted(ticket, now, tag, result.describe());
            events.warning(rss, RssEvents.ACTION_NOT_RUN, "the " + ticket.kind().tag() + " hook of " + ticket.pod()
                    + " was not run, and is planned again: " + notRun.reason());
            return;
        } else if (outcome instanceof HookOutcome.PodNotFound || outcome instanceof HookOutcome.ContainerNotFound
                || outcome instanceof HookOutcome.Forbidden) {
            ledger.notStarted(ticket, now, tag, result.describe() + "; the command did not run");
        } else {
            ledger.abandoned(ticket, now, mayRunUntil, tag, result.describe() + "; it may still run in the pod, so "
                    + ticket.pod() + " is uncertain until a status check after " + mayRunUntil);
        }
        if (!result.succeeded()) {
            events.warning(rss, RssEvents.MEMBER_FAILED, failure(result));
        } else if (ticket.kind() == HookKind.SEED) {
            events.normal(rss, RssEvents.SEEDED, ticket.pod() + " was seeded");
        } else if (ticket.kind() == HookKind.PRIMARY || ticket.kind() == HookKind.SECONDARY) {
            events.normal(rss, RssEvents.MEMBER_STARTED, ticket.pod() + " started as " + ticket.kind().tag());
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

    void forget(ReplicatedStatefulSet rss) {
        rounds.remove(HookInvocations.ownerKey(rss));
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
