package org.clusterlabs.rss.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.clusterlabs.rss.RssFixtures;
import org.clusterlabs.rss.api.v1alpha1.Phase;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;
import org.junit.jupiter.api.Test;

/** Tier 2: the operator against Fabric8's in-memory API server creates and updates what it owns. */
@QuarkusTest
@WithKubernetesTestServer
class OwnedResourcesTest {

    private static final String NS = "owned";

    @KubernetesTestServer
    KubernetesServer server;

    @Inject
    KubernetesClient client;

    @Test
    void aResourceCreatesItsStatefulSetAndBothServices() {
        ReplicatedStatefulSet rss = client.resource(RssFixtures.valid(NS, "db", 3)).create();

        StatefulSet sts = awaitStatefulSet("db");
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(sts.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
        assertThat(sts.getSpec().getServiceName()).isEqualTo("db");
        assertThat(sts.getSpec().getSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/instance", "db");
        assertThat(sts.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels())
                .containsEntry("app", "db");
        assertThat(sts.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand())
                .containsExactly("sleep", "infinity");
        assertThat(sts.getSpec().getVolumeClaimTemplates()).extracting(c -> c.getMetadata().getName())
                .containsExactly("data");
        assertOwnedBy(sts.getMetadata().getOwnerReferences(), rss);
        assertStandardLabels(sts.getMetadata().getLabels());

        Service peer = awaitService("db");
        assertThat(peer.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(peer.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(peer.getSpec().getSelector()).isEqualTo(sts.getSpec().getSelector().getMatchLabels());
        assertThat(peer.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactly(5000);
        assertOwnedBy(peer.getMetadata().getOwnerReferences(), rss);
        assertStandardLabels(peer.getMetadata().getLabels());

        Service clientService = awaitService("db-client");
        assertThat(clientService.getSpec().getClusterIP()).isNotEqualTo("None");
        assertThat(clientService.getSpec().getSelector())
                .containsEntry("rss.clusterlabs.org/role", "primary")
                .containsEntry("app.kubernetes.io/instance", "db");
        assertOwnedBy(clientService.getMetadata().getOwnerReferences(), rss);
        assertStandardLabels(clientService.getMetadata().getLabels());

        await().untilAsserted(() -> {
            ReplicatedStatefulSetStatus status = get("db").getStatus();
            assertThat(status).isNotNull();
            assertThat(status.getObservedGeneration()).isEqualTo(get("db").getMetadata().getGeneration());
            assertThat(status.getSelector()).contains("app.kubernetes.io/instance=db");
            assertThat(condition(status, "SpecValid").getStatus()).isEqualTo("True");
        });
    }

    @Test
    void templateAndReplicasChangesReachTheStatefulSet() {
        client.resource(RssFixtures.valid(NS, "grow", 3)).create();
        awaitStatefulSet("grow");

        edit("grow", r -> {
            r.getSpec().setReplicas(5);
            r.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("example/app:2");
            return r;
        });

        await().untilAsserted(() -> {
            StatefulSet sts = client.apps().statefulSets().inNamespace(NS).withName("grow").get();
            assertThat(sts.getSpec().getReplicas()).isEqualTo(5);
            assertThat(sts.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
                    .isEqualTo("example/app:2");
        });
    }

    @Test
    void pausedStopsChanges() {
        client.resource(RssFixtures.valid(NS, "frozen", 3)).create();
        awaitStatefulSet("frozen");

        edit("frozen", r -> {
            r.getSpec().setPaused(true);
            r.getSpec().setReplicas(6);
            return r;
        });

        await().untilAsserted(() -> assertThat(get("frozen").getStatus().getPhase()).isEqualTo(Phase.Paused));
        assertThat(client.apps().statefulSets().inNamespace(NS).withName("frozen").get().getSpec().getReplicas())
                .isEqualTo(3);
    }

    @Test
    void invalidResourcesGetAConditionNamingTheFieldAndCreateNothing() {
        ReplicatedStatefulSet tooManyPrimaries = RssFixtures.valid(NS, "bad-primaries", 3);
        tooManyPrimaries.getSpec().setPrimaries(4);
        ReplicatedStatefulSet emptyCommand = RssFixtures.valid(NS, "bad-command", 3);
        emptyCommand.getSpec().getHooks().getSequence().setCommand(new ArrayList<>());
        ReplicatedStatefulSet noStatusHook = RssFixtures.valid(NS, "bad-status", 3);
        noStatusHook.getSpec().getHooks().setStatus(null);
        ReplicatedStatefulSet wrongContainer = RssFixtures.valid(NS, "bad-container", 3);
        wrongContainer.getSpec().getHooks().setContainer("sidecar");

        Map<String, String> expectedFieldAndRule = Map.of(
                "bad-primaries", "spec.primaries: must be less than or equal to spec.replicas (4 > 3)",
                "bad-command", "spec.hooks.sequence.command: must have at least one entry",
                "bad-status", "spec.hooks.status: is required",
                "bad-container", "spec.hooks.container: must name a container of spec.template");
        for (ReplicatedStatefulSet rss : List.of(tooManyPrimaries, emptyCommand, noStatusHook, wrongContainer)) {
            client.resource(rss).create();
        }
        expectedFieldAndRule.forEach((name, message) -> await().untilAsserted(() -> {
            ReplicatedStatefulSetStatus status = get(name).getStatus();
            assertThat(status).as(name).isNotNull();
            Condition specValid = condition(status, "SpecValid");
            assertThat(specValid.getStatus()).isEqualTo("False");
            assertThat(specValid.getReason()).isEqualTo("InvalidSpec");
            assertThat(specValid.getMessage()).contains(message);
            assertThat(status.getPhase()).isEqualTo(Phase.Failed);
        }));
        for (String name : expectedFieldAndRule.keySet()) {
            assertThat(client.apps().statefulSets().inNamespace(NS).withName(name).get()).as(name).isNull();
            assertThat(client.services().inNamespace(NS).withName(name).get()).as(name).isNull();
            assertThat(client.services().inNamespace(NS).withName(name + "-client").get()).as(name).isNull();
        }
    }

    @Test
    void anIdleReconcileMakesNoWrites() throws Exception {
        client.resource(RssFixtures.valid(NS, "idle", 2)).create();
        awaitStatefulSet("idle");
        awaitService("idle-client");
        await().untilAsserted(() -> assertThat(get("idle").getStatus().getObservedGeneration()).isNotNull());
        Thread.sleep(1000);
        drain();

        // An annotation change triggers a reconcile but changes nothing the operator owns or records.
        edit("idle", r -> {
            r.getMetadata().getAnnotations().put("example.org/poke", "1");
            return r;
        });
        Thread.sleep(3000);

        List<String> writes = drain().stream()
                .filter(r -> !r.getMethod().equals("GET"))
                .map(r -> r.getMethod() + " " + r.getPath())
                .filter(w -> !w.contains("/replicatedstatefulsets/idle") || w.contains("/status"))
                .filter(w -> w.contains("/namespaces/" + NS + "/") && w.contains("idle"))
                .toList();
        assertThat(writes).isEmpty();
    }

    /** Edits as a user would: a conflict with the operator's own status write means read again and retry. */
    private void edit(String name, java.util.function.UnaryOperator<ReplicatedStatefulSet> change) {
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
                .until(() -> {
                    client.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(name).edit(change);
                    return true;
                });
    }

    private List<RecordedRequest> drain() throws InterruptedException {
        KubernetesMockServer mock = server.getKubernetesMockServer();
        List<RecordedRequest> requests = new ArrayList<>();
        RecordedRequest r;
        while ((r = mock.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
            requests.add(r);
        }
        return requests;
    }

    private ReplicatedStatefulSet get(String name) {
        return client.resources(ReplicatedStatefulSet.class).inNamespace(NS).withName(name).get();
    }

    private StatefulSet awaitStatefulSet(String name) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> client.apps().statefulSets().inNamespace(NS).withName(name).get(), s -> s != null);
    }

    private Service awaitService(String name) {
        return await().atMost(Duration.ofSeconds(30)).until(
                () -> client.services().inNamespace(NS).withName(name).get(), s -> s != null);
    }

    private static Condition condition(ReplicatedStatefulSetStatus status, String type) {
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    private static void assertOwnedBy(List<OwnerReference> refs, ReplicatedStatefulSet rss) {
        assertThat(refs).singleElement().satisfies(ref -> {
            assertThat(ref.getKind()).isEqualTo("ReplicatedStatefulSet");
            assertThat(ref.getName()).isEqualTo(rss.getMetadata().getName());
            assertThat(ref.getUid()).isEqualTo(rss.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
        });
    }

    private static void assertStandardLabels(Map<String, String> labels) {
        assertThat(labels).containsKeys("app.kubernetes.io/name", "app.kubernetes.io/instance",
                "app.kubernetes.io/component", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of");
        assertThat(labels).containsEntry("app.kubernetes.io/managed-by", "rss-operator");
    }
}
