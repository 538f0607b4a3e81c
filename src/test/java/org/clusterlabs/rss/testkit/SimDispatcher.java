package org.clusterlabs.rss.testkit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.client.server.mock.CustomResourceAware;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.Resetable;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock API server's dispatcher: answers pods/exec with real local processes (the simulated kubelet), counts
 * write requests, and hands everything else to fabric8's {@link KubernetesMixedDispatcher} (CRUD store plus
 * {@code server.expect()} expectations, sharing the same responses map).
 */
final class SimDispatcher extends Dispatcher implements Resetable, CustomResourceAware {

    static final String KIT_USER_AGENT = "rss-testkit";
    private static final Pattern EXEC = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/exec(\\?.*)?$");
    private static final String RULES_REVIEW = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    /** One write request (POST, PUT, PATCH, DELETE) seen by the server, and when it arrived. */
    public record Write(String method, String path, boolean fromKit, java.time.Instant at) {
        Write(String method, String path, boolean fromKit) {
            this(method, path, fromKit, java.time.Instant.now());
        }

        @Override
        public String toString() {
            return method + " " + path + (fromKit ? " (kit)" : "");
        }
    }

    private final KubernetesMixedDispatcher delegate;
    private final SimulatedCluster cluster;
    private final List<Write> writes = new CopyOnWriteArrayList<>();
    private final List<String> podReads = new CopyOnWriteArrayList<>();

    SimDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses, SimulatedCluster cluster) {
        this.delegate = new KubernetesMixedDispatcher(responses);
        this.cluster = cluster;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String path = request.getPath();
        Matcher m = EXEC.matcher(path);
        if (m.matches()) {
            return exec(m.group(1), m.group(2), m.group(3) == null ? "" : m.group(3).substring(1));
        }
        String method = request.getMethod();
        if ("GET".equals(method) && POD_READ.matcher(path).matches()) {
            podReads.add(path);
        }
        if ("POST".equals(method) && path.startsWith(RULES_REVIEW)) {
            return rulesReview(request);
        }
        if ("POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method) || "DELETE".equals(method)) {
            String ua = request.getHeader("User-Agent");
            writes.add(new Write(method, path, ua != null && ua.startsWith(KIT_USER_AGENT)));
        }
        if (("PUT".equals(method) || "PATCH".equals(method)) && takeConflict(path, request)) {
            return status(409, "Conflict", "Operation cannot be fulfilled: the object has been modified; please"
                    + " apply your changes to the latest version and try again (injected by the test kit)");
        }
        if ("PUT".equals(method) && isStatus(path)) {
            MockResponse stale = staleStatusWrite(path, request);
            if (stale != null) {
                return stale;
            }
        }
        if (("PUT".equals(method) || "PATCH".equals(method)) && STATEFULSET.matcher(path).matches()) {
            MockResponse refused = immutableStatefulSetFields(path, request);
            if (refused != null) {
                return refused;
            }
        }
        try {
            return delegate.dispatch(request);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A read of one pod: a GET of the pod, or a list or watch narrowed to it by name. */
    private static final Pattern POD_READ = Pattern.compile(
            "^/api/v1/namespaces/[^/]+/pods(/[^/?]+(\\?.*)?|\\?.*fieldSelector=metadata\\.name.*)$");

    List<String> podReads() {
        return List.copyOf(podReads);
    }

    private static final Pattern STATEFULSET = Pattern.compile("^/apis/apps/v1/namespaces/[^/]+/statefulsets/[^/?]+$");
    private final Map<String, java.util.function.Predicate<String>> conflicts =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger conflictsInjected = new java.util.concurrent.atomic.AtomicInteger();

    /** The next status write of the resource whose body matches gets 409 Conflict (once). */
    void conflictStatusWrite(String namespace, String name, java.util.function.Predicate<String> body) {
        conflicts.put("/namespaces/" + namespace + "/replicatedstatefulsets/" + name + "/status", body);
    }

    int conflictsInjected() {
        return conflictsInjected.get();
    }

    private boolean takeConflict(String path, RecordedRequest request) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        for (var e : conflicts.entrySet()) {
            if (p.endsWith(e.getKey()) && e.getValue().test(peekBody(request))
                    && conflicts.remove(e.getKey(), e.getValue())) {
                conflictsInjected.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    /** As the real API server: a StatefulSet update may change only replicas, template, updateStrategy and a few more. */
    private MockResponse immutableStatefulSetFields(String path, RecordedRequest request) {
        String current = getFromStore(path);
        if (current == null || !"PUT".equals(request.getMethod())) {
            return null;
        }
        StatefulSet before = Serialization.unmarshal(current, StatefulSet.class);
        StatefulSet after = Serialization.unmarshal(peekBody(request), StatefulSet.class);
        if (after.getSpec() == null || before.getSpec() == null) {
            return null;
        }
        boolean changed = !java.util.Objects.equals(claimNames(before), claimNames(after))
                || !java.util.Objects.equals(before.getSpec().getSelector(), after.getSpec().getSelector())
                || !java.util.Objects.equals(before.getSpec().getServiceName(), after.getSpec().getServiceName())
                || !java.util.Objects.equals(before.getSpec().getPodManagementPolicy(),
                        after.getSpec().getPodManagementPolicy());
        return changed ? status(422, "Invalid", "StatefulSet.apps \"" + before.getMetadata().getName()
                + "\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas',"
                + " 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'"
                + " and 'minReadySeconds' are forbidden") : null;
    }

    private static List<String> claimNames(StatefulSet s) {
        return s.getSpec().getVolumeClaimTemplates() == null ? List.of() : s.getSpec().getVolumeClaimTemplates()
                .stream().map(c -> c.getMetadata().getName() + c.getSpec().getResources()).toList();
    }

    private static boolean isStatus(String path) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        // the operator's record; the kit's own controllers write pod and StatefulSet status from their caches
        return p.endsWith("/status") && p.contains("/replicatedstatefulsets/");
    }

    /**
     * The in-memory server ignores the resourceVersion of a PUT to a status subresource (it copies the stored
     * object, so the versions always match); a real API server answers 409 when it is not the stored one.
     */
    private MockResponse staleStatusWrite(String path, RecordedRequest request) {
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        String current = getFromStore(p.substring(0, p.length() - "/status".length()));
        if (current == null) {
            return null;
        }
        String stored = Serialization.unmarshal(current, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class)
                .getMetadata().getResourceVersion();
        String sent = Serialization.unmarshal(peekBody(request),
                io.fabric8.kubernetes.api.model.GenericKubernetesResource.class).getMetadata().getResourceVersion();
        if (sent == null || sent.isEmpty() || sent.equals(stored)) {
            return null;
        }
        return status(409, "Conflict", "Operation cannot be fulfilled: the object has been modified; please apply"
                + " your changes to the latest version and try again (resourceVersion " + sent + ", stored " + stored
                + ")");
    }

    /** The body as text, left in place for the store, which reads it after us. */
    private static String peekBody(RecordedRequest request) {
        if (request.getBody() == null) {
            return "";
        }
        byte[] body = request.getBody().readByteArray();
        request.getBody().write(body);
        return new String(body, StandardCharsets.UTF_8);
    }

    List<Write> writes() {
        return List.copyOf(writes);
    }

    void resetWrites() {
        writes.clear();
    }

    /** Deletes an object straight in the CRUD store (no HTTP round trip; watchers get their DELETED event). */
    void deleteInStore(String path) {
        try {
            delegate.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.DELETE, path, new Headers.Builder().build(),
                    new Buffer()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads an object from the CRUD store without going through the network (we are on the event loop). */
    String getFromStore(String path) {
        MockResponse r;
        try {
            r = delegate.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET, path, new Headers.Builder().build(),
                    new Buffer()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (r.code() != 200 || r.getBody() == null) {
            return null;
        }
        return new String(r.getBody().getBytes(), StandardCharsets.UTF_8);
    }

    /**
     * The in-memory server has no authorization: every subject may do everything, and a rules review says so (the
     * operator's leader election asks one before it takes its Lease).
     */
    private static MockResponse rulesReview(RecordedRequest request) {
        SelfSubjectRulesReview review = Serialization.unmarshal(request.getUtf8Body(),
                SelfSubjectRulesReview.class);
        review.setStatus(new SubjectRulesReviewStatusBuilder().withIncomplete(false)
                .addNewResourceRule().withApiGroups("*").withResources("*").withVerbs("*").endResourceRule()
                .addNewNonResourceRule().withNonResourceURLs("*").withVerbs("*").endNonResourceRule()
                .build());
        return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
                .setBody(Serialization.asJson(review));
    }

    private MockResponse exec(String ns, String podName, String query) {
        List<String> command = new ArrayList<>();
        String container = null;
        boolean stdout = false;
        boolean stderr = false;
        for (String kv : query.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            switch (k) {
                case "command" -> command.add(v);
                case "container" -> container = v;
                case "stdout" -> stdout = "true".equals(v) || "1".equals(v);
                case "stderr" -> stderr = "true".equals(v) || "1".equals(v);
                default -> {
                }
            }
        }
        String json = getFromStore("/api/v1/namespaces/" + ns + "/pods/" + podName);
        if (json == null) {
            return status(404, "NotFound", "pods \"" + podName + "\" not found");
        }
        Pod pod = Serialization.unmarshal(json, Pod.class);
        List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
        if (container == null && !containers.isEmpty()) {
            container = containers.get(0).getName();
        }
        final String c = container;
        Container target = containers.stream().filter(x -> x.getName().equals(c)).findFirst().orElse(null);
        if (target == null) {
            return status(400, "BadRequest", "container " + c + " is not valid for pod " + podName);
        }
        if (command.isEmpty()) {
            return status(400, "BadRequest", "you must specify at least 1 command");
        }
        String node = pod.getSpec().getNodeName();
        if (node != null && !cluster.isNodeReady(node)) {
            return status(500, "InternalError", "error dialing backend: node " + node + " is not reachable (simulated)");
        }
        return cluster.openExec(pod, target, command, stdout, stderr);
    }

    private static MockResponse status(int code, String reason, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                        + ExecSession.jsonEscape(message) + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }

    @Override
    public void reset() {
        delegate.reset();
        writes.clear();
    }

    @Override
    public void expectCustomResource(CustomResourceDefinitionContext rdc) {
        delegate.expectCustomResource(rdc);
    }

    @Override
    public void shutdown() {
        cluster.killAllProcesses();
        delegate.shutdown();
    }
}
