package org.clusterlabs.rss.reconciler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.clusterlabs.rss.recovery.HookKind;
import org.junit.jupiter.api.Test;

/** Tier 1: each resource's memory is found by its exact namespace and name, never by a prefix. */
class HookLedgersTest {

    @Test
    void deletingDbForgetsNothingOfDbReplica() {
        HookLedgers ledgers = new HookLedgers();
        ledgers.of("ns", "db-replica").begin("db-replica-0", HookKind.SEED, Instant.EPOCH).orElseThrow();
        ledgers.of("ns", "db").begin("db-0", HookKind.STATUS, Instant.EPOCH).orElseThrow();
        ledgers.forget("ns", "db");
        assertTrue(ledgers.of("ns", "db-replica").busy("db-replica-0"), "the seed in flight on db-replica-0 is kept");
        assertFalse(ledgers.of("ns", "db").busy("db-0"));
    }
}
