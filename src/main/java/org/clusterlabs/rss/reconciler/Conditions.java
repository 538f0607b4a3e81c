package org.clusterlabs.rss.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Condition bookkeeping that keeps lastTransitionTime when the status does not flip, so idle passes write nothing. */
final class Conditions {

    static final String READY = "Ready";
    static final String RECOVERING = "Recovering";
    static final String DEGRADED = "Degraded";
    static final String SPEC_VALID = "SpecValid";
    /** Whether the owned StatefulSet matches the spec; False names the field or the error that stops it. */
    static final String STATEFULSET_SYNCED = "StatefulSetSynced";
    /** True while the last reconcile failed with an unexpected error, which the message quotes. */
    static final String RECONCILE_ERROR = "ReconcileError";

    private Conditions() {
    }

    static List<Condition> with(List<Condition> current, String type, boolean status, String reason, String message,
            Long generation, Instant now) {
        List<Condition> result = new ArrayList<>();
        String statusText = status ? "True" : "False";
        Optional<Condition> previous = find(current, type);
        String transition = previous.filter(c -> statusText.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .orElse(now.toString());
        Condition updated = new ConditionBuilder()
                .withType(type)
                .withStatus(statusText)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build();
        boolean replaced = false;
        for (Condition c : current) {
            if (Objects.equals(c.getType(), type)) {
                result.add(updated);
                replaced = true;
            } else {
                result.add(c);
            }
        }
        if (!replaced) {
            result.add(updated);
        }
        return result;
    }

    /** A condition whose verdict, reason and message come from elsewhere. */
    record Verdict(boolean status, String reason, String message) {
    }

    static List<Condition> with(List<Condition> current, String type, Verdict verdict, Long generation,
            Instant now) {
        return with(current, type, verdict.status(), verdict.reason(), verdict.message(), generation, now);
    }

    static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions.stream().filter(c -> Objects.equals(c.getType(), type)).findFirst();
    }
}
