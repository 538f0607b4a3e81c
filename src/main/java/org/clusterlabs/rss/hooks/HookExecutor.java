package org.clusterlabs.rss.hooks;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.clusterlabs.rss.metrics.RssMetrics;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;
import org.jboss.logging.Logger;

/**
 * Runs hooks in pods through the Kubernetes exec API (fabric8's exec client; no shell, no hand-rolled WebSocket).
 *
 * <ul>
 * <li>{@link #run} never blocks the caller: the blocking part of fabric8's exec (the pod lookup and the WebSocket
 * upgrade) runs on this service's own threads, and the result arrives through the returned stage, completed on
 * those threads (never on an HTTP client I/O thread).</li>
 * <li>At most {@code rss.hooks.max-concurrent} hooks run at once, and at most an invocation's
 * {@link HookInvocation#ownerLimit()} of its owner; the rest wait in a FIFO queue (without a thread).</li>
 * <li>The timeout starts when the hook leaves the queue. When it passes the result is {@link HookOutcome.TimedOut}
 * at once and the exec stream is closed; the command may keep running in the container (the exec API cannot
 * kill it).</li>
 * <li>stdout and stderr are each capped at {@code rss.hooks.output-cap-bytes}; the rest is counted and dropped.</li>
 * </ul>
 */
@ApplicationScoped
public class HookExecutor {

    private static final Logger LOG = Logger.getLogger(HookExecutor.class);

    /** Told when a hook's exec opened after the operator had stopped waiting: the command started late. */
    @FunctionalInterface
    public interface LateStartListener {
        void startedLate(HookInvocation invocation, Instant at);
    }

    /** Threads for exec upgrades and completions: the upgrades of a 51-copy step then take a few hundred ms here. */
    static final int UPGRADE_THREADS = 16;

    private final KubernetesClient client;
    private final RssMetrics metrics;
    private final int outputCap;
    private final ExecRetryBudget retryBudget;
    private final ExecutorService workers;
    private final ScheduledExecutorService timer;
    private final ConcurrencyLimiter limiter;

    @Inject
    public HookExecutor(KubernetesClient client, HooksConfig config, RssMetrics metrics) {
        this(client, config.maxConcurrent(), config.outputCapBytes(),
                new ExecRetryBudget(config.execUpgradeRetries(), config.execConnectTimeout()), metrics);
    }

    /** For use outside CDI (benchmarks, tools). {@code metrics} may be null. */
    public HookExecutor(KubernetesClient client, int maxConcurrent, int outputCapBytes, RssMetrics metrics) {
        this(client, maxConcurrent, outputCapBytes, ExecRetryBudget.DEFAULT, metrics);
    }

    public HookExecutor(KubernetesClient client, int maxConcurrent, int outputCapBytes, ExecRetryBudget retryBudget,
            RssMetrics metrics) {
        this.client = retryBudget.execClient(client);
        this.metrics = metrics;
        this.outputCap = outputCapBytes;
        this.retryBudget = retryBudget;
        // A thread runs only the blocking part of an exec (the upgrade) and the completions, never a whole hook, so
        // a few threads serve maxConcurrent running hooks. A pool grows a new thread for each task while it has
        // fewer than its core size, idle ones or not: a core of maxConcurrent (128) grew to 128 threads under steady
        // status checks. Idle threads end, so an idle operator keeps none.
        int threads = Math.min(maxConcurrent, UPGRADE_THREADS);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemonThreads("rss-hook-"));
        pool.allowCoreThreadTimeOut(true);
        this.workers = pool;
        this.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("rss-hook-timer-"));
        this.limiter = new ConcurrencyLimiter(maxConcurrent, workers);
    }

    /**
     * How long after its timeout a hook's command may still start in the pod: the exec upgrade's bounded retries.
     * A hook the operator stopped waiting for may run until its start plus its timeout plus this.
     */
    public java.time.Duration lateStartBudget() {
        return retryBudget.total();
    }

    /** Runs one hook. The stage always completes normally, with a result (failures are outcomes, not exceptions). */
    public CompletionStage<HookResult> run(HookInvocation invocation) {
        return run(invocation, (inv, at) -> { });
    }

    /**
     * Runs one hook; {@code lateStart} hears of an exec that opened after the result was already given (a timeout
     * during the upgrade), which means the command started late and may run for its whole timeout from then.
     */
    public CompletionStage<HookResult> run(HookInvocation invocation, LateStartListener lateStart) {
        return run(invocation, lateStart, null, Optional::empty);
    }

    /**
     * As {@link #run(HookInvocation, LateStartListener)}, with the pod as the caller's informer cache holds it
     * (or null: fabric8 then reads it before the upgrade), and a precondition asked right before the exec starts:
     * a reason it gives means the hook is not run ({@link HookOutcome.NotRun}).
     */
    public CompletionStage<HookResult> run(HookInvocation invocation, LateStartListener lateStart, Pod cachedPod,
            Supplier<Optional<String>> precondition) {
        CompletableFuture<HookResult> promise = new CompletableFuture<>();
        long queuedAt = System.nanoTime();
        Pod known = cachedPod != null && invocation.pod().equals(cachedPod.getMetadata().getName())
                && invocation.namespace().equals(cachedPod.getMetadata().getNamespace()) ? cachedPod : null;
        limiter.submit(invocation.ownerKey(), invocation.ownerLimit(),
                () -> new Attempt(invocation, promise, queuedAt, lateStart, known, precondition).start(),
                () -> promise.complete(new HookResult(invocation,
                        new HookOutcome.ConnectionLost("the hook runner is shutting down; the hook did not run"),
                        CapturedOutput.EMPTY, CapturedOutput.EMPTY, Duration.ZERO,
                        Duration.ofNanos(System.nanoTime() - queuedAt))));
        return promise.minimalCompletionStage();
    }

    /** See {@link HookResults#parseSequence(HookResult)}. */
    public SequenceResult parseSequence(HookResult result) {
        return HookResults.parseSequence(result);
    }

    /** See {@link HookResults#statusOf(HookResult)}. */
    public StatusReport statusOf(HookResult result) {
        return HookResults.statusOf(result);
    }

    /** Hooks running now (holding a slot). */
    public int running() {
        return limiter.running();
    }

    /** Hooks waiting for a slot. */
    public int queued() {
        return limiter.queued();
    }

    @PreDestroy
    public void shutdown() {
        timer.shutdownNow();
        workers.shutdownNow();
        client.close();
    }

    /** One run of one hook: the exec listener, the timeout and the single completion. */
    private final class Attempt implements ExecListener {
        private final HookInvocation inv;
        private final CompletableFuture<HookResult> promise;
        private final long queuedAt;
        private final LateStartListener lateStart;
        private final Pod cachedPod;
        private final Supplier<Optional<String>> precondition;
        private final CappedOutputStream out = new CappedOutputStream(outputCap, () -> capExceeded("stdout"));
        private final CappedOutputStream err = new CappedOutputStream(outputCap, () -> capExceeded("stderr"));
        private final AtomicBoolean finished = new AtomicBoolean();
        private volatile long startedAt;
        private volatile ExecWatch watch;
        private volatile ScheduledFuture<?> timeoutTask;
        private volatile Integer exitCode;
        private volatile String exitMessage;

        Attempt(HookInvocation inv, CompletableFuture<HookResult> promise, long queuedAt,
                LateStartListener lateStart, Pod cachedPod, Supplier<Optional<String>> precondition) {
            this.inv = inv;
            this.promise = promise;
            this.queuedAt = queuedAt;
            this.lateStart = lateStart;
            this.cachedPod = cachedPod;
            this.precondition = precondition;
        }

        /** Past the cap the exec ends: nothing more is read, and the stream is closed. */
        private void capExceeded(String stream) {
            if (finish(new HookOutcome.OutputCapExceeded(stream, outputCap))) {
                closeWatch();
            }
        }

        private void closeWatch() {
            ExecWatch w = watch;
            if (w != null) {
                w.close();
            }
        }

        @Override
        public void onOpen() {
            if (finished.get()) {
                LOG.warnf("hook started after the operator stopped waiting for it: pod=%s/%s hook=%s; closing its"
                        + " stream (the command may run on in the pod)", inv.namespace(), inv.pod(), inv.hook().tag());
                lateStart.startedLate(inv, Instant.now());
                closeWatch();
            }
        }

        void start() {
            startedAt = System.nanoTime();
            Optional<String> broken = precondition.get();
            if (broken.isPresent()) {
                finish(new HookOutcome.NotRun(broken.get()));
                return;
            }
            try {
                timeoutTask = timer.schedule(this::onTimeout, inv.timeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (RuntimeException e) { // shut down
                finish(new HookOutcome.ConnectionLost("the hook runner is shutting down; the hook did not run"));
                return;
            }
            if (LOG.isDebugEnabled()) {
                LOG.debugf("exec of the %s hook on %s/%s, after %d ms in the queue", inv.hook().tag(),
                        inv.namespace(), inv.pod(), (startedAt - queuedAt) / 1_000_000);
            }
            try {
                var pods = client.pods().inNamespace(inv.namespace());
                ExecWatch w = (cachedPod != null ? pods.resource(cachedPod) : pods.withName(inv.pod()))
                        .inContainer(inv.container())
                        .writingOutput(out)
                        .writingError(err)
                        .usingListener(this)
                        .exec(inv.argv().toArray(String[]::new));
                watch = w;
                if (finished.get()) {
                    w.close(); // timed out while the upgrade was in progress
                }
            } catch (Throwable t) {
                finish(classify(t, null));
            }
        }

        private void onTimeout() {
            if (finish(new HookOutcome.TimedOut(inv.timeout()))) {
                closeWatch();
            }
        }

        @Override
        public void onExit(int code, Status status) {
            exitMessage = status == null ? null : status.getMessage();
            exitCode = code;
        }

        @Override
        public void onClose(int code, String reason) {
            // fabric8 writes the output streams before it reports the close, so the capture is complete here
            finish(fromExit("stream closed (" + code + (reason == null || reason.isBlank() ? "" : " " + reason)
                    + ") without an exit status"));
        }

        @Override
        public void onFailure(Throwable t, Response response) {
            if (exitCode != null) {
                finish(fromExit(null)); // the command finished; only the closing handshake failed
            } else {
                finish(classify(t, response));
            }
        }

        private HookOutcome fromExit(String noExitReason) {
            Integer code = exitCode;
            if (code == null) {
                return new HookOutcome.ConnectionLost(noExitReason);
            }
            if (code == 0) {
                return new HookOutcome.Succeeded();
            }
            if (code > 0) {
                return new HookOutcome.Exited(code);
            }
            return new HookOutcome.ConnectionLost("exec ended with a Failure status without an exit code: " + exitMessage);
        }

        private HookOutcome classify(Throwable t, Response response) {
            int code = response == null ? -1 : response.code();
            String message = String.valueOf(t);
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof KubernetesClientException kce) {
                    if (kce.getCode() > 0 && code < 0) {
                        code = kce.getCode();
                    }
                    if (kce.getMessage() != null && kce.getMessage().matches("(?s).*container .* not found in pod.*")) {
                        return new HookOutcome.ContainerNotFound(inv.container(), kce.getMessage());
                    }
                    if (kce.getStatus() != null && kce.getStatus().getMessage() != null) {
                        message = kce.getStatus().getMessage();
                    }
                }
                if (c instanceof WebSocketHandshakeException wshe && wshe.getResponse() != null && code < 0) {
                    code = wshe.getResponse().code();
                }
            }
            return switch (code) {
                case 404 -> new HookOutcome.PodNotFound(inv.pod());
                case 403 -> new HookOutcome.Forbidden(message);
                case 400 -> message.contains("container")
                        ? new HookOutcome.ContainerNotFound(inv.container(), message)
                        : new HookOutcome.ConnectionLost("exec refused (HTTP 400): " + message);
                default -> new HookOutcome.ConnectionLost(code > 0 ? "HTTP " + code + ": " + message : message);
            };
        }

        /** Completes the run once; returns false if it was already complete. */
        private boolean finish(HookOutcome outcome) {
            if (!finished.compareAndSet(false, true)) {
                return false;
            }
            ScheduledFuture<?> t = timeoutTask;
            if (t != null) {
                t.cancel(false);
            }
            long now = System.nanoTime();
            Duration duration = Duration.ofNanos(now - startedAt);
            Duration queued = Duration.ofNanos(startedAt - queuedAt);
            HookResult result = new HookResult(inv, outcome, out.snapshot(), err.snapshot(), duration, queued);
            limiter.release(inv.ownerKey());
            try {
                if (metrics != null) {
                    metrics.hookFinished(inv.ownerKey(), inv.hook().tag(), outcome.tag(), duration);
                }
                LOG.debugf("the %s hook on %s/%s ended: %s after %d ms", inv.hook().tag(), inv.namespace(), inv.pod(),
                        outcome, duration.toMillis());
                if (HookResults.isFailure(result)) {
                    LOG.warnf("hook failed: pod=%s/%s hook=%s outcome=%s duration=%dms stderr=%s", inv.namespace(),
                            inv.pod(), inv.hook().tag(), outcome, duration.toMillis(),
                            HookResults.quote(result.stderr().firstLine()));
                }
            } catch (RuntimeException e) {
                LOG.debug("could not record hook metrics", e);
            }
            // never run the caller's continuations on an HTTP client or timer thread
            try {
                workers.execute(() -> promise.complete(result));
            } catch (RuntimeException e) {
                promise.complete(result);
            }
            return true;
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
