package org.clusterlabs.rss.recovery;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What one operator process knows of the hooks of one resource's copies: the hook running on each copy, what the
 * last ones reported, and until when a hook whose end this process did not see may still be running in the pod.
 * Production and the simulation both keep their knowledge here, so both follow the same hook lifecycle:
 *
 * <ul>
 * <li>{@link #begin} takes the copy's one hook slot, or refuses when a hook already runs there;</li>
 * <li>{@link #completed} frees it once the command ran to its end;</li>
 * <li>{@link #notStarted} frees it when the command certainly never ran (the pod was gone, exec was refused);</li>
 * <li>{@link #abandoned} frees the slot when the operator stopped waiting (a timeout, a lost connection) but the
 * command may still run. A start or stop hook then leaves the copy uncertain: it is never counted as stopped, nor
 * started again, until a status check that began after the command could have ended.</li>
 * </ul>
 *
 * Thread-safe. It is not persisted: a new process starts empty and learns everything again from status hooks.
 */
public final class HookLedger {

    /** One hook run, from {@link #begin} to its end. */
    public record Ticket(String pod, String podUid, HookKind kind, Instant startedAt, long id) {
    }

    /** The last hook worth showing in status: every start or stop, and a status check whose answer changed. */
    public record LastHook(HookKind hook, String outcome, Instant at, String message) {
    }

    /** One copy's entry, as {@link #knowledge} hands it out: a snapshot. */
    public record Knowledge(Optional<Observed<StatusReport>> status, Optional<Observed<SequenceResult>> sequence,
            Optional<Instant> unknownSequenceSince, Optional<HookKind> inFlight, Optional<Instant> lastStartOrStopAt,
            Instant hooksMayRunUntil, Optional<LastHook> lastHook) {

        static final Knowledge NONE = new Knowledge(Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Instant.MIN, Optional.empty());
    }

    private static final class Entry {
        String podUid;
        Observed<StatusReport> status;
        Observed<SequenceResult> sequence;
        Instant unknownSequenceSince;
        Ticket inFlight;
        Instant lastStartOrStopAt;
        Instant hooksMayRunUntil = Instant.MIN;
        LastHook lastHook;
    }

    private final Map<String, Entry> entries = new HashMap<>();
    private long nextTicket;
    private Instant startsRecorded;
    private Instant firstSightOrphansEndBy;

    /** This process wrote {@code at} as the resource's last start (before running start or stop hooks). */
    public synchronized void startsRecorded(Instant at) {
        startsRecorded = at;
    }

    /**
     * Until when hooks that this process did not start may still run: those of an earlier process (from
     * {@code atFirstSight}, asked once, when this process first saw the resource), and those recorded by another
     * writer since (a leader that had not yet noticed it lost its Lease): a recorded last start that is not this
     * process's own counts from that start.
     */
    public synchronized Instant orphanHooksEndBy(java.util.function.Supplier<Instant> atFirstSight,
            Optional<Instant> recordedStarts, java.time.Duration mayRunFor) {
        if (firstSightOrphansEndBy == null) {
            firstSightOrphansEndBy = atFirstSight.get();
        }
        Instant firstSight = firstSightOrphansEndBy;
        if (recordedStarts.isEmpty() || recordedStarts.get().equals(startsRecorded)) {
            return firstSight;
        }
        Instant byOther = recordedStarts.get().plus(mayRunFor);
        return byOther.isAfter(firstSight) ? byOther : firstSight;
    }

    /**
     * The pod now seen for a copy. A new uid (the pod was replaced) voids what was observed of the old one, as a new
     * container starts afresh; a hook that may still run there keeps its bound, since it ran on the same volume.
     */
    public synchronized void podSeen(String pod, String podUid) {
        Entry e = entries.computeIfAbsent(pod, k -> new Entry());
        if (e.podUid != null && podUid != null && !podUid.equals(e.podUid)) {
            Entry fresh = new Entry();
            fresh.hooksMayRunUntil = e.hooksMayRunUntil;
            fresh.lastStartOrStopAt = e.lastStartOrStopAt;
            fresh.lastHook = e.lastHook;
            fresh.inFlight = e.inFlight;
            e = fresh;
            entries.put(pod, e);
        }
        if (podUid != null) {
            e.podUid = podUid;
        }
    }

    /** Takes the copy's hook slot; empty when a hook already runs on it (nothing is changed then). */
    public synchronized Optional<Ticket> begin(String pod, HookKind kind, Instant at) {
        Entry e = entries.computeIfAbsent(pod, k -> new Entry());
        if (e.inFlight != null) {
            return Optional.empty();
        }
        Ticket ticket = new Ticket(pod, e.podUid, kind, at, ++nextTicket);
        e.inFlight = ticket;
        if (changesTheApp(kind)) {
            e.lastStartOrStopAt = at;
        }
        return Optional.of(ticket);
    }

    public synchronized boolean busy(String pod) {
        Entry e = entries.get(pod);
        return e != null && e.inFlight != null;
    }

    /**
     * The command ran to its end. A status or sequence answer is dated by the hook's start: what it saw may be as old
     * as that, and no older. Returns whether a status answer differs from the one before.
     */
    public synchronized boolean completed(Ticket ticket, Instant at, Optional<StatusReport> status,
            Optional<SequenceResult> sequence, String outcome, String message) {
        Entry e = release(ticket);
        if (e == null) {
            return false;
        }
        boolean samePod = ticket.podUid() == null || e.podUid == null || ticket.podUid().equals(e.podUid);
        if (!samePod) {
            status = Optional.empty(); // it answered for a pod that has been replaced since
            sequence = Optional.empty();
        }
        boolean changed = status.isPresent() && (e.status == null || e.status.value() != status.get());
        status.ifPresent(report -> e.status = new Observed<>(report, ticket.startedAt()));
        if (changed) {
            e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        }
        sequence.ifPresent(s -> {
            boolean unknown = s instanceof SequenceResult.Unknown;
            e.unknownSequenceSince = unknown
                    ? (e.unknownSequenceSince != null ? e.unknownSequenceSince : ticket.startedAt()) : null;
            e.sequence = new Observed<>(s, ticket.startedAt());
            e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        });
        if (changesTheApp(ticket.kind())) {
            e.lastStartOrStopAt = at;
            e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        }
        return changed;
    }

    /** The command certainly never ran: the slot is free and nothing about the copy changed. */
    public synchronized void notStarted(Ticket ticket, Instant at, String outcome, String message) {
        Entry e = release(ticket);
        if (e != null) {
            e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        }
    }

    /**
     * The operator stopped waiting, but the command may still run in the pod until {@code mayRunUntil}. A status or
     * sequence hook left behind changes nothing; a start or stop hook makes every status observed before that
     * instant unable to prove the copy stopped.
     */
    public synchronized void abandoned(Ticket ticket, Instant at, Instant mayRunUntil, String outcome,
            String message) {
        Entry e = release(ticket);
        if (e == null) {
            return;
        }
        e.lastHook = new LastHook(ticket.kind(), outcome, at, message);
        if (changesTheApp(ticket.kind())) {
            e.lastStartOrStopAt = at;
            if (mayRunUntil.isAfter(e.hooksMayRunUntil)) {
                e.hooksMayRunUntil = mayRunUntil;
            }
        }
    }

    /**
     * A hook's exec opened after the operator had stopped waiting: its command started late and may run until
     * {@code mayRunUntil}.
     */
    public synchronized void lateStart(String pod, Instant mayRunUntil, Instant at) {
        Entry e = entries.computeIfAbsent(pod, k -> new Entry());
        e.lastStartOrStopAt = at;
        if (mayRunUntil.isAfter(e.hooksMayRunUntil)) {
            e.hooksMayRunUntil = mayRunUntil;
        }
    }

    /** The operator deleted the copy's pod: what was observed before says nothing of the next one. */
    public synchronized void podDeleted(String pod, Instant at) {
        entries.computeIfAbsent(pod, k -> new Entry()).lastStartOrStopAt = at;
    }

    public synchronized Knowledge knowledge(String pod) {
        Entry e = entries.get(pod);
        if (e == null) {
            return Knowledge.NONE;
        }
        return new Knowledge(Optional.ofNullable(e.status), Optional.ofNullable(e.sequence),
                Optional.ofNullable(e.unknownSequenceSince),
                Optional.ofNullable(e.inFlight).map(Ticket::kind), Optional.ofNullable(e.lastStartOrStopAt),
                e.hooksMayRunUntil, Optional.ofNullable(e.lastHook));
    }

    /** Hooks running now, for a shutdown that abandons them. */
    public synchronized java.util.List<Ticket> inFlight() {
        return entries.values().stream().map(e -> e.inFlight).filter(java.util.Objects::nonNull).toList();
    }

    private Entry release(Ticket ticket) {
        Entry e = entries.get(ticket.pod());
        if (e == null || e.inFlight == null || e.inFlight.id() != ticket.id()) {
            return null;
        }
        e.inFlight = null;
        return e;
    }

    /** Seed, primary, secondary and stop hooks change whether the app runs; status and sequence only look. */
    public static boolean changesTheApp(HookKind kind) {
        return kind.starts() || kind == HookKind.STOP;
    }
}
