package org.clusterlabs.rss.reconciler;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.SeedStatus;
import org.clusterlabs.rss.recovery.RecordedState;
import org.clusterlabs.rss.recovery.SeedRecord;

/** Maps the planner's durable record onto the resource's status and back: status is the operator's memory. */
final class RecordedStates {

    private RecordedStates() {
    }

    static RecordedState read(ReplicatedStatefulSetStatus status) {
        if (status == null) {
            return RecordedState.initial();
        }
        Map<String, Integer> failures = new HashMap<>();
        for (MemberStatus m : status.getMembers()) {
            if (m.getFailures() != null && m.getFailures() > 0) {
                failures.put(m.getPod(), m.getFailures());
            }
        }
        return new RecordedState(
                status.getEpoch() == null ? 0 : status.getEpoch(),
                Optional.ofNullable(status.getSeed()).filter(s -> s.getPod() != null).map(RecordedStates::seed),
                status.getHighWaterMark() == null ? OptionalLong.empty() : OptionalLong.of(status.getHighWaterMark()),
                status.getLastRunningMembers() == null ? 0 : status.getLastRunningMembers(),
                failures,
                Optional.ofNullable(status.getConsumedForceSeed()),
                Optional.ofNullable(status.getRecoveryStartedAt()).map(Instant::parse));
    }

    /** Writes the record into status; member failure counts go onto the member entries. */
    static void write(RecordedState record, ReplicatedStatefulSetStatus status) {
        status.setEpoch(record.epoch() == 0 && status.getEpoch() == null ? null : record.epoch());
        status.setSeed(record.seed().map(RecordedStates::seedStatus).orElse(null));
        status.setHighWaterMark(record.highWaterMark().isPresent() ? record.highWaterMark().getAsLong() : null);
        status.setLastRunningMembers(record.lastRunningMembers() == 0 && status.getLastRunningMembers() == null
                ? null : record.lastRunningMembers());
        status.setConsumedForceSeed(record.consumedForceSeed().orElse(null));
        status.setRecoveryStartedAt(record.recoveryStartedAt().map(Instant::toString).orElse(null));
        List<MemberStatus> members = status.getMembers();
        for (MemberStatus m : members) {
            int failures = record.failuresOf(m.getPod());
            m.setFailures(failures == 0 ? null : failures);
        }
        record.failures().forEach((pod, count) -> {
            if (members.stream().noneMatch(m -> pod.equals(m.getPod()))) {
                MemberStatus m = new MemberStatus();
                m.setPod(pod);
                m.setFailures(count);
                members.add(m);
            }
        });
    }

    private static SeedRecord seed(SeedStatus s) {
        return new SeedRecord(s.getPod(), s.getEpoch() == null ? 0 : s.getEpoch(),
                s.getSequence() == null ? 0 : s.getSequence(),
                s.getTime() == null ? Instant.EPOCH : Instant.parse(s.getTime()),
                s.getAttempts() == null ? 1 : s.getAttempts(), Boolean.TRUE.equals(s.getForced()));
    }

    private static SeedStatus seedStatus(SeedRecord r) {
        SeedStatus s = new SeedStatus();
        s.setPod(r.pod());
        s.setEpoch(r.epoch());
        s.setSequence(r.sequence());
        s.setTime(r.recordedAt().toString());
        s.setAttempts(r.attempts());
        s.setForced(r.forced() ? true : null);
        return s;
    }
}
