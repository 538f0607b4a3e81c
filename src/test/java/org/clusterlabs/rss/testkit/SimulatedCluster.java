package org.clusterlabs.rss.testkit;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.jboss.logging.Logger;

/**
 * A simulated Kubernetes cluster for tier-2/3 tests, {@code make demo} and the benchmark: Fabric8's in-memory API
 * server (CRUD mode) plus
 * <ul>
 * <li>a simulated kubelet that answers pods/exec by running the argv as a real local process (see
 * {@link ExecSession}), in the pod's data directory, with the pod's environment;</li>
 * <li>a simulated StatefulSet controller (Parallel pod management, owner references, revision hashes, OnDelete,
 * scale up/down, recreation of deleted pods, status);</li>
 * <li>per-pod data directories ({@code baseDir/{ns}/{pod}}) that outlive the pods, like PVCs;</li>
 * <li>Node objects whose readiness a test can flip, and a simulated network directory in which
 * {@code {pod}.{service}.{ns}.svc} links to the pod's data directory while the pod exists;</li>
 * <li>a count of write requests, to prove that an idle reconcile writes nothing.</li>
 * </ul>
 * Plain Java: {@code try (var c = SimulatedCluster.start()) {...}}. In {@code @QuarkusTest}s use
 * {@link SimulatedClusterResource}.
 *
 * <h2>Exec environment</h2> The process gets: {@code PATH} (the host's), {@code LANG=C.UTF-8}, {@code HOME} and the
 * working directory = the pod's data directory, the plain {@code value} env entries of the container spec,
 * {@code HOSTNAME}, {@code POD_NAME}, {@code POD_NAMESPACE}, {@code POD_ORDINAL}, {@code SERVICE_NAME} (the
 * StatefulSet's serviceName), {@code POD_FQDN}, {@code RSS_SIM_DATA_DIR}, {@code RSS_SIM_NET_DIR}, per-pod extras
 * ({@link #setPodEnv}) and the marker {@code RSS_SIM_POD_UID}. The mount table ({@link #mount}, plus the container's
 * first volumeMount path, or {@code /data}, mapped to the pod's data directory) is applied to argv[0] and to env
 * values only; every other argv entry passes untouched.
 */
public final class SimulatedCluster implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SimulatedCluster.class);
    public static final String CRD_FILE = "target/kubernetes/replicatedstatefulsets.clusterlabs.org-v1.yml";
    public static final String LABEL_POD_NAME = "statefulset.kubernetes.io/pod-name";
    public static final String LABEL_POD_INDEX = "apps.kubernetes.io/pod-index";
    public static final String LABEL_REVISION = "controller-revision-hash";

    /** Options; all optional. */
    public static final class Options {
        Path baseDir;
        boolean applyCrd = true;
        IntFunction<String> nodeForOrdinal = i -> "node-" + i;
        Duration resync = Duration.ofSeconds(1);

        /** Where data directories live (default: a temp dir, deleted on close). */
        public Options baseDir(Path dir) {
            this.baseDir = dir;
            return this;
        }

        /** Apply the generated CRD from {@value #CRD_FILE} at start (default true; off in Quarkus, which applies it). */
        public Options applyCrd(boolean apply) {
            this.applyCrd = apply;
            return this;
        }

        /**
         * How often the simulated StatefulSet controller re-examines every StatefulSet (default 1 s). A benchmark with
         * hundreds of StatefulSets sets it longer: events still drive the controller at once.
         */
        public Options resync(Duration every) {
            this.resync = every;
            return this;
        }

        /** Node name for a pod ordinal (default {@code node-{i}}). */
        public Options nodeForOrdinal(IntFunction<String> f) {
            this.nodeForOrdinal = f;
            return this;
        }
    }

    private final Options options;
    private final Path baseDir;
    private final boolean tempBaseDir;
    private final Path netDir;
    private final SimDispatcher dispatcher;
    private final KubernetesMockServer server;
    private final NamespacedKubernetesClient client;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final ExecutorService controller;
    private final Set<String> pendingKeys = ConcurrentHashMap.newKeySet();
    private final Map<String, Path> mounts = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> podEnv = new ConcurrentHashMap<>();
    private final Map<String, Boolean> nodeReady = new ConcurrentHashMap<>();
    private final Map<String, String> stsUids = new ConcurrentHashMap<>();
    private final Set<String> podUids = ConcurrentHashMap.newKeySet();
    /** fqdn -> uid of the pod whose data dir the fqdn's network link points to; guards the links against races */
    private final Map<String, String> linkedPods = new HashMap<>();
    private final List<ExecRecord> execLog = new CopyOnWriteArrayList<>();
    private final List<ExecSession> sessions = new CopyOnWriteArrayList<>();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final AtomicInteger podIps = new AtomicInteger();
    private final Thread shutdownHook;
    private volatile boolean closed;

    private SimulatedCluster(Options options) throws IOException {
        this.options = options;
        this.tempBaseDir = options.baseDir == null;
        this.baseDir = tempBaseDir ? Files.createTempDirectory("rss-sim-") : Files.createDirectories(options.baseDir);
        this.netDir = Files.createDirectories(baseDir.resolve("_net"));
        if (!"UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"))) {
            LOG.warnf("sun.jnu.encoding is %s, not UTF-8: the JVM will mangle non-ASCII argv of simulated execs. "
                    + "Run the tests with LANG=C.UTF-8.", System.getProperty("sun.jnu.encoding"));
        }
        this.io = Executors.newCachedThreadPool(daemon("rss-sim-io-"));
        this.timer = Executors.newScheduledThreadPool(1, daemon("rss-sim-timer-"));
        this.controller = Executors.newSingleThreadExecutor(daemon("rss-sim-sts-controller-"));
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        this.dispatcher = new SimDispatcher(responses, this);
        this.server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                dispatcher, false);
        this.server.init(InetAddress.getLoopbackAddress(), 0);
        NamespacedKubernetesClient plain = server.createClient();
        this.client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(plain.getConfiguration()).withUserAgent(SimDispatcher.KIT_USER_AGENT).build())
                .build().adapt(NamespacedKubernetesClient.class);
        plain.close();
        this.shutdownHook = new Thread(this::killAllProcesses, "rss-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a cluster with default options. */
    public static SimulatedCluster start() {
        return start(new Options());
    }

    public static SimulatedCluster start(Options options) {
        try {
            SimulatedCluster c = new SimulatedCluster(options);
            c.startControllers();
            return c;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the simulated cluster", e);
        }
    }

    private void startControllers() {
        if (options.applyCrd) {
            Path crd = Path.of(CRD_FILE);
            if (Files.exists(crd)) {
                client.apiextensions().v1().customResourceDefinitions().load(crd.toFile()).create();
            } else {
                LOG.warnf("%s does not exist (run mvn compile); the ReplicatedStatefulSet CRD is not applied", crd);
            }
        }
        var stsInformer = client.apps().statefulSets().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StatefulSet s) {
                stsUids.put(key(s.getMetadata().getNamespace(), s.getMetadata().getName()), s.getMetadata().getUid());
                enqueue(s.getMetadata().getNamespace(), s.getMetadata().getName());
            }

            @Override
            public void onUpdate(StatefulSet o, StatefulSet s) {
                if (!Objects.equals(o.getSpec(), s.getSpec())) {
                    enqueue(s.getMetadata().getNamespace(), s.getMetadata().getName());
                }
            }

            @Override
            public void onDelete(StatefulSet s, boolean unknown) {
                enqueue(s.getMetadata().getNamespace(), s.getMetadata().getName());
            }
        });
        var podInformer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                podUids.add(p.getMetadata().getUid());
            }

            @Override
            public void onUpdate(Pod o, Pod p) {
                if (!Objects.equals(o.getMetadata().getUid(), p.getMetadata().getUid())) {
                    podGone(o);
                    podUids.add(p.getMetadata().getUid());
                }
            }

            @Override
            public void onDelete(Pod p, boolean unknown) {
                podGone(p);
            }
        });
        informers.add(stsInformer);
        informers.add(podInformer);
        timer.scheduleWithFixedDelay(() -> stsUids.keySet().forEach(k -> {
            String[] nn = k.split("/", 2);
            enqueue(nn[0], nn[1]);
        }), options.resync.toMillis(), options.resync.toMillis(), TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** A client for the simulated cluster. Its writes are not counted in {@link #writeCount()}. */
    public NamespacedKubernetesClient client() {
        return client;
    }

    public KubernetesMockServer server() {
        return server;
    }

    public String masterUrl() {
        return client.getConfiguration().getMasterUrl();
    }

    public Path baseDir() {
        return baseDir;
    }

    /** The pod's data directory (its "PVC"), created on demand; it survives the pod. */
    public Path dataDir(String namespace, String pod) {
        try {
            return Files.createDirectories(baseDir.resolve(namespace).resolve(pod));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The simulated network directory ({@code RSS_SIM_NET_DIR}). */
    public Path netDir() {
        return netDir;
    }

    /** Maps a container path (e.g. {@code /hooks}) to a host path, for argv[0] and env values of every exec. */
    public SimulatedCluster mount(String containerPath, Path hostPath) {
        mounts.put(stripSlash(containerPath), hostPath.toAbsolutePath().normalize());
        return this;
    }

    /** An extra env var for every exec in this pod (kept when the pod is recreated). */
    public SimulatedCluster setPodEnv(String namespace, String pod, String name, String value) {
        podEnv.computeIfAbsent(key(namespace, pod), k -> new ConcurrentHashMap<>()).put(name, value);
        return this;
    }

    /** Removes an extra env var set with {@link #setPodEnv}. */
    public SimulatedCluster clearPodEnv(String namespace, String pod, String name) {
        Map<String, String> env = podEnv.get(key(namespace, pod));
        if (env != null) {
            env.remove(name);
        }
        return this;
    }

    /**
     * Simulates a dropped connection for every exec stream open to this pod: the server ends the stream without an
     * exit status (the client sees the connection go), and the process is killed. Returns how many were dropped.
     */
    public int dropExecConnections(String namespace, String pod) {
        int n = 0;
        for (ExecSession s : sessions) {
            ExecRecord r = s.record();
            if (r.namespace().equals(namespace) && r.pod().equals(pod) && r.ended() == null) {
                s.drop();
                n++;
            }
        }
        return n;
    }

    /**
     * Runs one exec through fabric8's client in a throwaway pod ({@code rss-sim-warmup/warmup}), so that the JVM's
     * first exec (about 1-3 s of class loading on a slow machine) does not eat the timeout of a test's first hook.
     * The pod is deleted again; the kit's writes are not counted.
     */
    public void warmUpExec() {
        String ns = "rss-sim-warmup";
        createPod(ns, "warmup", "warmup");
        try (var w = client.pods().inNamespace(ns).withName("warmup").inContainer("warmup")
                .writingOutput(java.io.OutputStream.nullOutputStream()).exec("true")) {
            w.exitCode().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf(e, "warm-up exec failed");
        } finally {
            client.pods().inNamespace(ns).withName("warmup").delete();
        }
    }

    /** Every exec process the kubelet ran, in start order. */
    public List<ExecRecord> execLog() {
        return List.copyOf(execLog);
    }

    /** Writes (POST/PUT/PATCH/DELETE) made by clients other than the kit's own, since the last reset. */
    public long writeCount() {
        return dispatcher.writes().stream().filter(w -> !w.fromKit()).count();
    }

    /** Those writes, e.g. {@code PATCH /apis/...}, to name them in an assertion message. */
    public List<String> writes() {
        return dispatcher.writes().stream().filter(w -> !w.fromKit()).map(w -> w.method() + " " + w.path()).toList();
    }

    /** All writes, the kit's own included (marked {@code (kit)}). */
    public List<String> allWrites() {
        return dispatcher.writes().stream().map(Object::toString).toList();
    }

    /** A write request of a client other than the kit, and when the server received it. */
    public record TimedWrite(String method, String path, Instant at) {
        /** Whether it is a leader-election Lease request (acquire or renew). */
        public boolean isLease() {
            return path.contains("/leases");
        }
    }

    /** The writes of clients other than the kit, with their arrival times, since the last reset. */
    public List<TimedWrite> timedWrites() {
        return dispatcher.writes().stream().filter(w -> !w.fromKit())
                .map(w -> new TimedWrite(w.method(), w.path(), w.at())).toList();
    }

    public void resetWrites() {
        dispatcher.resetWrites();
    }

    /** Every read of one pod by any client (GET, or a list or watch by its name), e.g. an exec's pod lookup. */
    public List<String> podReads() {
        return dispatcher.podReads();
    }

    // ------------------------------------------------------------------------------------------------ nodes

    public boolean isNodeReady(String node) {
        return nodeReady.getOrDefault(node, true);
    }

    /**
     * Flips a node's Ready condition and, as the node lifecycle controller would, the Ready condition of its pods.
     * Processes keep running (the node is unreachable, not dead); execs to its pods are answered 500 while it is
     * NotReady, like an API server that cannot dial the kubelet.
     */
    public void setNodeReady(String node, boolean ready) {
        setNodeConditionOnly(node, ready);
        for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
            if (node.equals(p.getSpec().getNodeName())) {
                setPodReadyCondition(p, ready);
            }
        }
    }

    /**
     * Flips only the node's Ready condition, as in the moments before the node lifecycle controller marks its pods:
     * no pod changes, so only the node's own event can tell the operator.
     */
    public void setNodeConditionOnly(String node, boolean ready) {
        nodeReady.put(node, ready);
        ensureNode(node);
        Node n = client.nodes().withName(node).get();
        n.getStatus().setConditions(List.of(nodeCondition(ready)));
        client.nodes().resource(n).updateStatus();
    }

    private void setPodReadyCondition(Pod p, boolean ready) {
        Pod copy = new PodBuilder(p).build();
        copy.setStatus(podStatus(ready, p.getStatus() == null ? null : p.getStatus().getPodIP(), p));
        try {
            client.pods().inNamespace(p.getMetadata().getNamespace()).resource(copy).updateStatus();
        } catch (RuntimeException e) {
            LOG.debugf(e, "could not update readiness of %s", p.getMetadata().getName());
        }
    }

    private void ensureNode(String node) {
        if (client.nodes().withName(node).get() == null) {
            try {
                Node n = new NodeBuilder().withNewMetadata().withName(node)
                        .addToLabels("kubernetes.io/hostname", node).endMetadata()
                        .withNewStatus().withConditions(nodeCondition(isNodeReady(node))).endStatus().build();
                client.nodes().resource(n).create();
            } catch (RuntimeException e) {
                // created concurrently
            }
        }
    }

    private static NodeCondition nodeCondition(boolean ready) {
        return new NodeConditionBuilder().withType("Ready").withStatus(ready ? "True" : "Unknown")
                .withReason(ready ? "KubeletReady" : "NodeStatusUnknown")
                .withMessage(ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status (simulated)")
                .withLastTransitionTime(Instant.now().toString()).build();
    }

    // ------------------------------------------------------------------------------------------------ pods & power

    /** SIGKILLs every local process of the pod (daemons included); the pod object stays. */
    public int killPodProcesses(String namespace, String pod) {
        Pod p = client.pods().inNamespace(namespace).withName(pod).get();
        return p == null ? 0 : PodProcesses.killAll(p.getMetadata().getUid());
    }

    /**
     * Whether closing an exec stream kills its process. A real kubelet does not (the default here); true restores
     * the kit's older, kinder behaviour for a test that needs it.
     */
    public volatile boolean killExecsOnClose;

    /**
     * The next status write of the named resource whose JSON body matches gets 409 Conflict, as when another writer
     * changed the resource since the writer read it. Once.
     */
    public void conflictNextStatusWrite(String namespace, String name, java.util.function.Predicate<String> body) {
        dispatcher.conflictStatusWrite(namespace, name, body);
    }

    /** How many conflicts {@link #conflictNextStatusWrite} injected. */
    public int conflictsInjected() {
        return dispatcher.conflictsInjected();
    }

    /**
     * Deletes a pod gracefully, as the API server does: it gets a deletionTimestamp and stays, its processes
     * running, for the grace period; then it is gone (processes killed) and the StatefulSet controller recreates it.
     */
    public void deletePodGracefully(String namespace, String pod, Duration grace) {
        // As the in-memory server does for an object with finalizers: DELETE sets the deletionTimestamp and keeps it.
        client.pods().inNamespace(namespace).withName(pod).edit(p -> {
            p.getMetadata().getFinalizers().add(GRACE_FINALIZER);
            return p;
        });
        client.pods().inNamespace(namespace).withName(pod).delete();
        timer.schedule(() -> {
            Pod p = client.pods().inNamespace(namespace).withName(pod).get();
            if (p != null) {
                podGone(p);
                client.pods().inNamespace(namespace).withName(pod).edit(x -> {
                    x.getMetadata().getFinalizers().remove(GRACE_FINALIZER);
                    return x;
                });
            }
        }, grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static final String GRACE_FINALIZER = "testkit.rss.clusterlabs.org/grace-period";

    /** Deletes a pod (its processes are killed; the StatefulSet controller recreates it). */
    public void deletePod(String namespace, String pod) {
        Pod p = client.pods().inNamespace(namespace).withName(pod).get();
        if (p != null) {
            podGone(p);
            client.pods().inNamespace(namespace).withName(pod).delete();
        }
    }

    /**
     * Power cut for a StatefulSet: every process of its pods is SIGKILLed and the pods are deleted. The controller
     * recreates them (as after a node reboot); nothing in them runs until a hook starts it. Data dirs survive.
     */
    public void cutPower(String namespace, String sts) {
        List<Pod> pods = podsOf(namespace, sts);
        for (Pod p : pods) {
            podGone(p);
        }
        for (Pod p : pods) {
            client.pods().inNamespace(namespace).withName(p.getMetadata().getName()).delete();
        }
    }

    /**
     * An atomic power cut for a StatefulSet, for measurements: in one step, as the operator's watches see it, every
     * pod of the StatefulSet is gone. On the simulated StatefulSet controller's own thread (so no pod is recreated
     * in between), the processes of all the pods are SIGKILLed together (one pass over {@code /proc}), the pods are
     * unplugged from the simulated network, and then the pods are deleted straight in the API server's store, back to
     * back (no HTTP round trip between two deletions: the DELETED watch events leave within a millisecond or so of
     * each other). Then the controller recreates them all at once. Data dirs survive. Returns the deleted pods.
     * <p>
     * Compare {@link #cutPower} (each pod's processes killed in turn, then one DELETE request per pod, while the
     * controller may already recreate the first ones) and {@link #cutPowerOneByOne} (a rolling failure).
     */
    public List<Pod> cutPowerAtomically(String namespace, String sts) {
        java.util.concurrent.Future<List<Pod>> cut = controller.submit(() -> {
            List<Pod> pods = podsOf(namespace, sts);
            Instant at = Instant.now();
            pods.forEach(p -> podLives.computeIfPresent(p.getMetadata().getUid(), (uid, l) -> l.gone() != null ? l
                    : new PodLife(l.namespace(), l.name(), uid, l.created(), at)));
            PodProcesses.killAll(pods.stream().map(p -> p.getMetadata().getUid()).toList());
            pods.forEach(p -> linkNetwork(p, false));
            for (Pod p : pods) {
                dispatcher.deleteInStore("/api/v1/namespaces/" + namespace + "/pods/" + p.getMetadata().getName());
            }
            return pods;
        });
        try {
            List<Pod> pods = cut.get(60, TimeUnit.SECONDS);
            enqueue(namespace, sts);
            return pods;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("atomic power cut of " + namespace + "/" + sts + " failed", e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("atomic power cut of " + namespace + "/" + sts + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A rolling power failure: the pods of the StatefulSet lose power one after the other, {@code gap} apart, in the
     * given order of pod names (each: its processes SIGKILLed, then its pod deleted; the controller recreates it at
     * once, so early victims may be back, not running anything, while later ones still run). Blocks until the last
     * pod is cut. Returns, per pod, the UID it had when it was cut.
     */
    public Map<String, String> cutPowerOneByOne(String namespace, List<String> podNames, Duration gap) {
        Map<String, String> cut = new LinkedHashMap<>();
        for (int i = 0; i < podNames.size(); i++) {
            if (i > 0) {
                try {
                    Thread.sleep(gap.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            Pod p = client.pods().inNamespace(namespace).withName(podNames.get(i)).get();
            if (p != null) {
                cut.put(podNames.get(i), p.getMetadata().getUid());
                podGone(p);
                client.pods().inNamespace(namespace).withName(podNames.get(i)).delete();
            }
        }
        return cut;
    }

    /** The pods of a StatefulSet (owned by it), by ordinal. */
    public List<Pod> podsOf(String namespace, String sts) {
        String uid = stsUid(namespace, sts);
        return client.pods().inNamespace(namespace).list().getItems().stream()
                .filter(p -> ownedBy(p, uid, sts))
                .sorted(Comparator.comparingInt(p -> ordinalOf(p.getMetadata().getName())))
                .toList();
    }

    /** Waits until the StatefulSet has exactly pods 0..n-1, all Running and Ready, and returns them. */
    public List<Pod> awaitPods(String namespace, String sts, int n, Duration timeout) {
        return await("pods " + sts + "-0.." + (n - 1) + " Running and Ready", timeout, () -> {
            List<Pod> pods = podsOf(namespace, sts);
            if (pods.size() != n) {
                return null;
            }
            for (int i = 0; i < n; i++) {
                Pod p = pods.get(i);
                if (!p.getMetadata().getName().equals(sts + "-" + i) || !isReady(p)
                        || p.getMetadata().getDeletionTimestamp() != null) {
                    return null;
                }
            }
            return pods;
        });
    }

    /** Waits until pod {@code name} exists with a UID other than {@code oldUid}, and returns it. */
    public Pod awaitRecreated(String namespace, String name, String oldUid, Duration timeout) {
        return await("pod " + name + " recreated", timeout, () -> {
            Pod p = client.pods().inNamespace(namespace).withName(name).get();
            return p != null && !p.getMetadata().getUid().equals(oldUid) ? p : null;
        });
    }

    /** Polls {@code probe} every 20 ms until it returns non-null. */
    public static <T> T await(String what, Duration timeout, java.util.function.Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T v = probe.get();
                if (v != null) {
                    return v;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }

    public static boolean isReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /**
     * Creates a bare pod (no StatefulSet) with one container {@code container}, Running and Ready on
     * {@code node-0}. For hook tests that must not depend on a controller or the reconciler.
     */
    public Pod createPod(String namespace, String name, String container) {
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().addNewContainer().withName(container).withImage("sim").endContainer()
                .withNodeName("node-0").endSpec().build();
        pod.setStatus(podStatus(true, nextPodIp(), pod));
        return createPodObject(pod);
    }

    // ------------------------------------------------------------------------------------------------ controller

    private void enqueue(String ns, String name) {
        if (closed) {
            return;
        }
        String k = key(ns, name);
        if (pendingKeys.add(k)) {
            try {
                controller.execute(() -> {
                    pendingKeys.remove(k);
                    try {
                        reconcile(ns, name);
                    } catch (RuntimeException e) {
                        if (!closed) {
                            LOG.debugf(e, "simulated StatefulSet controller: %s failed, retrying", k);
                            timer.schedule(() -> enqueue(ns, name), 100, TimeUnit.MILLISECONDS);
                        }
                    }
                });
            } catch (RuntimeException e) {
                pendingKeys.remove(k); // shut down
            }
        }
    }

    private void reconcile(String ns, String name) {
        if (closed) {
            return;
        }
        StatefulSet sts = client.apps().statefulSets().inNamespace(ns).withName(name).get();
        String k = key(ns, name);
        if (sts == null) {
            // the garbage collector: pods owned by a deleted StatefulSet go
            String uid = stsUids.remove(k);
            if (uid != null) {
                for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
                    if (ownedBy(p, uid, null)) {
                        deletePod(ns, p.getMetadata().getName());
                    }
                }
            }
            return;
        }
        stsUids.put(k, sts.getMetadata().getUid());
        int replicas = Optional.ofNullable(sts.getSpec().getReplicas()).orElse(1);
        String updateRevision = name + "-" + templateHash(sts);
        boolean onDelete = sts.getSpec().getUpdateStrategy() != null
                && "OnDelete".equals(sts.getSpec().getUpdateStrategy().getType());
        Map<Integer, Pod> byOrdinal = new LinkedHashMap<>();
        for (Pod p : podsOf(ns, name)) {
            byOrdinal.put(ordinalOf(p.getMetadata().getName()), p);
        }
        // scale down: highest ordinals first
        byOrdinal.keySet().stream().filter(i -> i >= replicas).sorted(Comparator.reverseOrder()).toList()
                .forEach(i -> deletePod(ns, name + "-" + i));
        // Parallel: create every missing pod at once
        for (int i = 0; i < replicas; i++) {
            if (!byOrdinal.containsKey(i)) {
                createPodObject(podFor(sts, i, updateRevision));
            }
        }
        // RollingUpdate: replace one outdated pod at a time, highest ordinal first, when all are ready
        if (!onDelete) {
            List<Pod> pods = podsOf(ns, name);
            if (pods.size() == replicas && pods.stream().allMatch(SimulatedCluster::isReady)) {
                pods.stream().filter(p -> !updateRevision.equals(labels(p).get(LABEL_REVISION)))
                        .max(Comparator.comparingInt(p -> ordinalOf(p.getMetadata().getName())))
                        .ifPresent(p -> deletePod(ns, p.getMetadata().getName()));
            }
        }
        updateStatus(sts, updateRevision);
    }

    private void updateStatus(StatefulSet sts, String updateRevision) {
        String ns = sts.getMetadata().getNamespace();
        List<Pod> pods = podsOf(ns, sts.getMetadata().getName());
        int ready = (int) pods.stream().filter(SimulatedCluster::isReady).count();
        int updated = (int) pods.stream().filter(p -> updateRevision.equals(labels(p).get(LABEL_REVISION))).count();
        StatefulSetStatus old = sts.getStatus();
        String current = updated == pods.size() ? updateRevision
                : old != null && old.getCurrentRevision() != null ? old.getCurrentRevision()
                : pods.stream().map(p -> labels(p).get(LABEL_REVISION)).filter(Objects::nonNull)
                        .filter(r -> !r.equals(updateRevision)).findFirst().orElse(updateRevision);
        int currentCount = (int) pods.stream().filter(p -> current.equals(labels(p).get(LABEL_REVISION))).count();
        StatefulSetStatus st = new StatefulSetStatusBuilder()
                .withObservedGeneration(sts.getMetadata().getGeneration())
                .withReplicas(pods.size()).withReadyReplicas(ready).withAvailableReplicas(ready)
                .withCurrentReplicas(currentCount).withUpdatedReplicas(updated)
                .withCurrentRevision(current).withUpdateRevision(updateRevision)
                .withCollisionCount(0)
                .build();
        if (!st.equals(old)) {
            StatefulSet copy = new io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder(sts).withStatus(st).build();
            client.apps().statefulSets().inNamespace(ns).resource(copy).updateStatus();
        }
    }

    private Pod podFor(StatefulSet sts, int ordinal, String revision) {
        String name = sts.getMetadata().getName() + "-" + ordinal;
        var template = sts.getSpec().getTemplate();
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(LABEL_POD_NAME, name);
        labels.put(LABEL_POD_INDEX, String.valueOf(ordinal));
        labels.put(LABEL_REVISION, revision);
        PodSpec spec = Serialization.clone(template.getSpec());
        spec.setHostname(name);
        spec.setSubdomain(sts.getSpec().getServiceName());
        spec.setNodeName(options.nodeForOrdinal.apply(ordinal));
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
                .withName(sts.getMetadata().getName()).withUid(sts.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
        Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(sts.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(template.getMetadata() == null ? null : template.getMetadata().getAnnotations())
                .withOwnerReferences(owner).endMetadata()
                .withSpec(spec).build();
        pod.setStatus(podStatus(isNodeReady(spec.getNodeName()), nextPodIp(), pod));
        return pod;
    }

    private Pod createPodObject(Pod pod) {
        String node = pod.getSpec().getNodeName();
        if (node != null) {
            ensureNode(node);
        }
        PodStatus status = pod.getStatus();
        Instant before = Instant.now();
        Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
        podUids.add(created.getMetadata().getUid());
        podLives.putIfAbsent(created.getMetadata().getUid(), new PodLife(created.getMetadata().getNamespace(),
                created.getMetadata().getName(), created.getMetadata().getUid(), before, null));
        if (!Objects.equals(created.getStatus(), status)) { // the store dropped the status on create
            created.setStatus(status);
            created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(created).updateStatus();
        }
        dataDir(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        linkNetwork(created, true);
        return created;
    }

    private PodStatus podStatus(boolean ready, String ip, Pod pod) {
        String r = ready ? "True" : "False";
        String now = Instant.now().toString();
        List<PodCondition> conditions = List.of(
                cond("PodScheduled", "True", now), cond("Initialized", "True", now),
                cond("ContainersReady", r, now), cond("Ready", r, now));
        var statuses = pod.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
                .withName(c.getName()).withImage(c.getImage()).withReady(ready).withRestartCount(0).withStarted(true)
                .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build()).toList();
        return new PodStatusBuilder().withPhase("Running").withConditions(conditions).withPodIP(ip)
                .withHostIP("192.168.0.1").withStartTime(now).withContainerStatuses(statuses).build();
    }

    private static PodCondition cond(String type, String status, String time) {
        return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(time).build();
    }

    private String nextPodIp() {
        int n = podIps.incrementAndGet();
        return "10.244." + (n / 250) + "." + (n % 250 + 2);
    }

    /**
     * One incarnation of a pod (one UID): when the kit created it and when it went away (its processes killed: the
     * kit's power cuts and deletions, or its delete event), null while it exists.
     */
    public record PodLife(String namespace, String name, String uid, Instant created, Instant gone) {
        /** Whether this incarnation existed at {@code t}. */
        public boolean existedAt(Instant t) {
            return !created.isAfter(t) && (gone == null || gone.isAfter(t));
        }
    }

    private final Map<String, PodLife> podLives = new ConcurrentHashMap<>();

    /** Every pod incarnation the kit created, in no particular order. */
    public List<PodLife> podLives() {
        return List.copyOf(podLives.values());
    }

    /** A pod went away (also on a late delete event): kill its processes and unplug it from the simulated network. */
    void podGone(Pod p) {
        podLives.computeIfPresent(p.getMetadata().getUid(),
                (uid, l) -> l.gone() != null ? l : new PodLife(l.namespace(), l.name(), uid, l.created(), Instant.now()));
        PodProcesses.killAll(p.getMetadata().getUid());
        linkNetwork(p, false);
        String owner = ownerSts(p);
        if (owner != null) {
            enqueue(p.getMetadata().getNamespace(), owner);
        }
    }

    /**
     * Plugs a pod in, or unplugs it. Unplugging only ever removes that pod's own link: a late delete event of a pod
     * must not unplug its successor (same name, same volume, new uid), whichever thread gets here first.
     */
    private void linkNetwork(Pod p, boolean up) {
        String fqdn = fqdn(p);
        if (fqdn == null) {
            return;
        }
        String uid = p.getMetadata().getUid();
        Path link = netDir.resolve(fqdn);
        synchronized (linkedPods) {
            if (!up && !Objects.equals(linkedPods.get(fqdn), uid)) {
                return;
            }
            try {
                Files.deleteIfExists(link);
                linkedPods.remove(fqdn);
                if (up) {
                    Files.createSymbolicLink(link, dataDir(p.getMetadata().getNamespace(), p.getMetadata().getName()));
                    linkedPods.put(fqdn, uid);
                }
            } catch (IOException e) {
                LOG.debugf(e, "network link %s", link);
            }
        }
    }

    private static String fqdn(Pod p) {
        String sub = p.getSpec() == null ? null : p.getSpec().getSubdomain();
        return sub == null || sub.isBlank() ? null
                : p.getMetadata().getName() + "." + sub + "." + p.getMetadata().getNamespace() + ".svc";
    }

    // ------------------------------------------------------------------------------------------------ exec

    MockResponse openExec(Pod pod, Container container, List<String> argv, boolean stdout, boolean stderr) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Path data = dataDir(ns, name);
        Map<String, Path> table = new HashMap<>(mounts);
        String dataMount = container.getVolumeMounts() == null || container.getVolumeMounts().isEmpty() ? "/data"
                : container.getVolumeMounts().get(0).getMountPath();
        table.put(stripSlash(dataMount), data);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", Optional.ofNullable(System.getenv("PATH")).orElse("/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "C.UTF-8");
        env.put("HOME", data.toString());
        if (container.getEnv() != null) {
            for (EnvVar e : container.getEnv()) {
                if (e.getValue() != null) {
                    env.put(e.getName(), mapPath(e.getValue(), table));
                }
            }
        }
        env.put("HOSTNAME", name);
        env.put("POD_NAME", name);
        env.put("POD_NAMESPACE", ns);
        int ordinal = ordinalOf(name);
        if (ordinal >= 0) {
            env.put("POD_ORDINAL", String.valueOf(ordinal));
        }
        String owner = ownerSts(pod);
        String service = null;
        if (owner != null) {
            String json = dispatcher.getFromStore("/apis/apps/v1/namespaces/" + ns + "/statefulsets/" + owner);
            if (json != null) {
                service = Serialization.unmarshal(json, StatefulSet.class).getSpec().getServiceName();
            }
        }
        if (service == null && pod.getSpec().getSubdomain() != null) {
            service = pod.getSpec().getSubdomain();
        }
        if (service != null) {
            env.put("SERVICE_NAME", service);
            env.put("POD_FQDN", name + "." + service + "." + ns + ".svc");
        }
        env.put("RSS_SIM_DATA_DIR", data.toString());
        env.put("RSS_SIM_NET_DIR", netDir.toString());
        podEnv.getOrDefault(key(ns, name), Map.of()).forEach((k, v) -> env.put(k, mapPath(v, table)));
        env.put(PodProcesses.UID_VAR, pod.getMetadata().getUid());
        List<String> hostArgv = new ArrayList<>(argv);
        hostArgv.set(0, mapPath(argv.get(0), table));
        ExecRecord rec = new ExecRecord(ns, name, pod.getMetadata().getUid(), container.getName(), argv, hostArgv);
        execLog.add(rec);
        ExecSession session = new ExecSession(rec, env, data, stdout, stderr, io, timer, killExecsOnClose);
        sessions.removeIf(ExecSession::finished);
        sessions.add(session);
        return new MockResponse().withWebSocketUpgrade(session);
    }

    static String mapPath(String value, Map<String, Path> table) {
        String best = null;
        for (String m : table.keySet()) {
            if ((value.equals(m) || value.startsWith(m + "/")) && (best == null || m.length() > best.length())) {
                best = m;
            }
        }
        return best == null ? value : table.get(best).toString() + value.substring(best.length());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private String stsUid(String ns, String sts) {
        String uid = stsUids.get(key(ns, sts));
        if (uid == null) {
            StatefulSet s = client.apps().statefulSets().inNamespace(ns).withName(sts).get();
            uid = s == null ? null : s.getMetadata().getUid();
        }
        return uid;
    }

    private static boolean ownedBy(Pod p, String uid, String stsName) {
        List<OwnerReference> refs = p.getMetadata().getOwnerReferences();
        if (refs == null) {
            return false;
        }
        return refs.stream().anyMatch(r -> "StatefulSet".equals(r.getKind())
                && (uid != null ? uid.equals(r.getUid()) : stsName != null && stsName.equals(r.getName())));
    }

    private static String ownerSts(Pod p) {
        List<OwnerReference> refs = p.getMetadata().getOwnerReferences();
        return refs == null ? null : refs.stream().filter(r -> "StatefulSet".equals(r.getKind()))
                .map(OwnerReference::getName).findFirst().orElse(null);
    }

    private static Map<String, String> labels(Pod p) {
        return p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
    }

    /** The ordinal at the end of a pod name ({@code web-3} → 3), or -1. */
    public static int ordinalOf(String podName) {
        int dash = podName.lastIndexOf('-');
        if (dash < 0 || dash == podName.length() - 1) {
            return -1;
        }
        String tail = podName.substring(dash + 1);
        return tail.chars().allMatch(Character::isDigit) && tail.length() < 9 ? Integer.parseInt(tail) : -1;
    }

    static String templateHash(StatefulSet sts) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(sts.getSpec().getTemplate()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 10);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String key(String ns, String name) {
        return ns + "/" + name;
    }

    private static String stripSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static java.util.concurrent.ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Kills every process of every pod this cluster ever had. */
    void killAllProcesses() {
        for (String uid : podUids) {
            PodProcesses.killAll(uid);
        }
        for (ExecRecord r : execLog) {
            r.process().ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        informers.forEach(SharedIndexInformer::stop);
        controller.shutdownNow();
        timer.shutdownNow();
        killAllProcesses();
        client.close();
        server.shutdown();
        io.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        if (tempBaseDir) {
            deleteRecursively(baseDir);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

}
