package org.clusterlabs.rss.reconciler;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.clusterlabs.rss.recovery.HookKind;
import org.clusterlabs.rss.recovery.Observed;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;

/**
 * What this operator process has observed of each copy: hook results and hooks in flight. It is deliberately not
 * persisted: after a restart every copy is asked for its status again before anything irreversible happens.
 */
@ApplicationScoped
public class MemberMemory {

    /** The last hook worth recording in status: every start or stop, and a status check whose answer changed. */
    public record LastHook(HookKind hook, String outcome, Instant at, String message) {
    }

    /** One copy's memory; it belongs to one pod incarnation (uid) and is forgotten when the pod is replaced. */
    public static final class Member {
        volatile String podUid;
        volatile Observed<StatusReport> status;
        volatile Observed<SequenceResult> sequence;
        volatile HookKind inFlight;
        volatile Instant lastStartOrStopAt;
        volatile LastHook lastHook;

        public Optional<Observed<StatusReport>> status() {
            return Optional.ofNullable(status);
        }

        public Optional<Observed<SequenceResult>> sequence() {
            return Optional.ofNullable(sequence);
        }

        public Optional<HookKind> inFlight() {
            return Optional.ofNullable(inFlight);
        }

        public Optional<Instant> lastStartOrStopAt() {
            return Optional.ofNullable(lastStartOrStopAt);
        }

        public Optional<LastHook> lastHook() {
            return Optional.ofNullable(lastHook);
        }
    }

    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final Map<String, Instant> orphanHooksEndBy = new ConcurrentHashMap<>();
    /**
     * The memory of a copy. A new pod uid (the pod was replaced) starts a clean slate, as a new container does; the
     * hooks still running against the old pod report into the detached old memory.
     */
    public Member of(String namespace, String pod, String podUid) {
        return members.compute(key(namespace, pod), (k, m) -> {
            if (m == null || (podUid != null && m.podUid != null && !podUid.equals(m.podUid))) {
                m = new Member();
            }
            if (podUid != null) {
                m.podUid = podUid;
            }
            return m;
        });
    }

    /**
     * Until when hooks started by an earlier operator process may still run for a resource. Computed once, the first
     * time this process sees the resource, from what the earlier process recorded.
     */
    public Instant orphanHooksEndBy(String namespace, String resourceName, Supplier<Instant> fromRecord) {
        return orphanHooksEndBy.computeIfAbsent(namespace + "/" + resourceName, k -> fromRecord.get());
    }

    public Optional<Member> find(String namespace, String pod) {
        return Optional.ofNullable(members.get(key(namespace, pod)));
    }

    public void forget(String namespace, String resourceName) {
        members.keySet().removeIf(k -> k.startsWith(namespace + "/" + resourceName + "-"));
        orphanHooksEndBy.remove(namespace + "/" + resourceName);
    }

    /** Forgets everything, as an operator restart does. */
    public void forgetAll() {
        members.clear();
        orphanHooksEndBy.clear();
    }

    private static String key(String namespace, String pod) {
        return namespace + "/" + pod;
    }
}
