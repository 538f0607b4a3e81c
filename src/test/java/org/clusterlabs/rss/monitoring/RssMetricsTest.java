package org.clusterlabs.rss.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.clusterlabs.rss.api.v1alpha1.SeedStatus;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The series RssMetrics exposes, as Prometheus text, for statuses a pass can produce. No Quarkus, no cluster. */
@Timeout(30)
class RssMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RssMetrics metrics = new RssMetrics(registry);
    private final ReplicatedStatefulSet rss = RssFixtures.valid("shop", "db", 3);
    private static final String RES = "name=\"db\",namespace=\"shop\"";
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void thePhaseIsAStateSetAndReadyDesiredFollowTheStatus() {
        metrics.observe(rss, status(Phase.Pending), running(3), T0);
        String text = scrape();
        assertThat(text).contains("rss_phase{" + RES + ",phase=\"Running\"} 1.0");
        for (Phase p : Phase.values()) {
            if (p != Phase.Running) {
                assertThat(text).contains("rss_phase{" + RES + ",phase=\"" + p + "\"} 0.0");
            }
        }
        assertThat(text).contains("rss_ready_members{" + RES + "} 3.0")
                .contains("rss_desired_members{" + RES + "} 3.0")
                .contains("rss_members{" + RES + ",role=\"Primary\"} 3.0")
                .contains("rss_recovering{" + RES + "} 0.0")
                .contains("rss_waiting_members{" + RES + "} 0.0")
                .contains("rss_epoch{" + RES + "} 4.0")
                .contains("rss_high_water_mark{" + RES + "} 120.0")
                .contains("rss_seed_sequence{" + RES + "} 120.0")
                .doesNotContain("rss_recovery_started_timestamp_seconds{");
    }

    @Test
    void theSeedSequenceExistsOnlyWhileASeedDoes() {
        ReplicatedStatefulSetStatus noSeed = status(Phase.Pending);
        metrics.observe(rss, noSeed, noSeed, T0);
        assertThat(scrape()).doesNotContain("rss_seed_sequence").doesNotContain("rss_epoch{");
        metrics.observe(rss, noSeed, running(3), T0);
        assertThat(scrape()).contains("rss_seed_sequence{" + RES + "} 120.0");
        metrics.observe(rss, running(3), noSeed, T0);
        assertThat(scrape()).doesNotContain("rss_seed_sequence{");
    }

    @Test
    void aRecoveryIsGaugedWhileItRunsAndCountedWithItsDurationWhenItEnds() {
        ReplicatedStatefulSetStatus recovering = status(Phase.Recovering);
        recovering.setRecoveryStartedAt(T0.toString());
        recovering.getMembers().add(member("db-0", "Stopped", 7L, null));
        recovering.getMembers().add(member("db-1", "Stopped", null, null));
        recovering.getMembers().add(member("db-2", "Absent", null, null));
        metrics.observe(rss, status(Phase.Paused), recovering, T0);
        assertThat(scrape()).contains("rss_recovering{" + RES + "} 1.0")
                .contains("rss_waiting_members{" + RES + "} 2.0")
                .contains("rss_recovery_started_timestamp_seconds{" + RES + "} " + (double) T0.getEpochSecond());

        metrics.observe(rss, recovering, running(3), T0.plusSeconds(90));
        String text = scrape();
        assertThat(text).contains("rss_recoveries_total{" + RES + ",outcome=\"succeeded\"} 1.0")
                .contains("rss_recovery_duration_seconds_count{" + RES + "} 1")
                .contains("rss_recovery_duration_seconds_sum{" + RES + "} 90.0")
                .contains("rss_recovery_duration_seconds_bucket{" + RES + ",le=\"60.0\"} 0")
                .contains("rss_recovery_duration_seconds_bucket{" + RES + ",le=\"120.0\"} 1")
                .contains("rss_recovering{" + RES + "} 0.0")
                .doesNotContain("rss_recovery_started_timestamp_seconds{");
    }

    @Test
    void memberFailuresCountEachRiseButNotTheFirstSightAndLeaveWithTheMember() {
        ReplicatedStatefulSetStatus s = running(3);
        s.getMembers().get(1).setFailures(2); // seen at startup: the baseline
        metrics.observe(rss, s, s, T0);
        assertThat(scrape())
                .contains("rss_member_consecutive_failures{member=\"db-1\"," + RES + "} 2.0")
                .contains("rss_member_failures_total{member=\"db-1\"," + RES + "} 0.0");
        s.getMembers().get(1).setFailures(3);
        metrics.observe(rss, s, s, T0);
        s.getMembers().get(1).setFailures(null);
        metrics.observe(rss, s, s, T0);
        s.getMembers().get(1).setFailures(1);
        metrics.observe(rss, s, s, T0);
        assertThat(scrape()).contains("rss_member_failures_total{member=\"db-1\"," + RES + "} 2.0")
                .contains("rss_member_consecutive_failures{member=\"db-1\"," + RES + "} 1.0");

        s.getMembers().remove(2); // scaled down
        metrics.observe(rss, s, s, T0);
        assertThat(scrape()).doesNotContain("member=\"db-2\"").contains("member=\"db-1\"");
    }

    @Test
    void hooksCarryTheirResourceAndBucketsFrom50msTo10min() {
        metrics.hookFinished("shop/db", "sequence", "timed_out", Duration.ofSeconds(2));
        String text = scrape();
        String labels = "hook=\"sequence\"," + RES + ",outcome=\"timed_out\"";
        assertThat(text).contains("rss_hook_executions_total{" + labels + "} 1.0")
                .contains("rss_hook_duration_seconds_bucket{" + labels + ",le=\"0.05\"} 0")
                .contains("rss_hook_duration_seconds_bucket{" + labels + ",le=\"1.0\"} 0")
                .contains("rss_hook_duration_seconds_bucket{" + labels + ",le=\"2.5\"} 1")
                .contains("rss_hook_duration_seconds_bucket{" + labels + ",le=\"600.0\"} 1")
                .contains("rss_hook_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 1");
        assertThat(text.lines().filter(l -> l.startsWith("rss_hook_duration_seconds_bucket{"))).hasSize(14);
    }

    @Test
    void deletingTheResourceRemovesAllItsSeriesAndALateHookDoesNotBringThemBack() {
        ReplicatedStatefulSetStatus recovering = status(Phase.Recovering);
        recovering.setRecoveryStartedAt(T0.toString());
        metrics.observe(rss, status(Phase.Running), recovering, T0);
        metrics.observe(rss, recovering, running(3), T0.plusSeconds(5));
        metrics.hookFinished("shop/db", "status", "exited", Duration.ofMillis(30));
        metrics.hookFinished("other/db", "status", "exited", Duration.ofMillis(30));
        assertThat(scrape()).contains("namespace=\"shop\"");

        metrics.forget(rss);
        metrics.hookFinished("shop/db", "status", "succeeded", Duration.ofMillis(30)); // in flight at the delete
        String text = scrape();
        assertThat(text.lines().filter(l -> !l.startsWith("#") && l.contains("namespace=\"shop\""))).isEmpty();
        assertThat(text).contains("namespace=\"other\"");

        metrics.observe(rss, status(Phase.Pending), running(3), T0); // created again under the same name
        metrics.hookFinished("shop/db", "status", "succeeded", Duration.ofMillis(30));
        assertThat(scrape()).contains("rss_hook_executions_total{hook=\"status\"," + RES
                + ",outcome=\"succeeded\"} 1.0");
    }

    @Test
    void leadershipFollowsTheCallbacks() {
        assertThat(scrape()).contains("rss_leader 0.0");
        metrics.leaderCallbacks().onStartLeading();
        assertThat(scrape()).contains("rss_leader 1.0");
        metrics.leaderCallbacks().onStopLeading();
        assertThat(scrape()).contains("rss_leader 0.0");
    }

    /** The text format as /q/metrics serves it (the bare registry ends label sets with a comma). */
    private String scrape() {
        return registry.scrape().replace(",}", "}");
    }

    private static ReplicatedStatefulSetStatus status(Phase phase) {
        ReplicatedStatefulSetStatus s = new ReplicatedStatefulSetStatus();
        s.setPhase(phase);
        s.setMembers(new ArrayList<>());
        return s;
    }

    private static ReplicatedStatefulSetStatus running(int copies) {
        ReplicatedStatefulSetStatus s = status(Phase.Running);
        List<MemberStatus> members = new ArrayList<>();
        for (int i = 0; i < copies; i++) {
            members.add(member("db-" + i, "Primary", 120L, null));
        }
        s.setMembers(members);
        s.setReadyReplicas(copies);
        s.setEpoch(4L);
        s.setHighWaterMark(120L);
        SeedStatus seed = new SeedStatus();
        seed.setPod("db-0");
        seed.setSequence(120L);
        seed.setEpoch(4L);
        s.setSeed(seed);
        return s;
    }

    private static MemberStatus member(String pod, String role, Long sequence, Integer failures) {
        MemberStatus m = new MemberStatus();
        m.setPod(pod);
        m.setRole(role);
        m.setSequence(sequence);
        m.setFailures(failures);
        return m;
    }
}
