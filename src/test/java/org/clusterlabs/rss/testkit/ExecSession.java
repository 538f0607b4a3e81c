package org.clusterlabs.rss.testkit;

import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The simulated kubelet's side of one exec stream (subprotocol v4.channel.k8s.io): runs the argv as a local
 * process, streams stdout on channel 1 and stderr on channel 2, sends the Kubernetes Status on channel 3 once both
 * streams are drained, then waits for the client to close first (closing first makes a few percent of fabric8
 * clients miss onClose). If the client closes or drops the stream while the process runs, the process goes on, as
 * on a real kubelet (its output is drained and dropped); the kit's older kinder mode, which killed it, is kept for
 * the tests that ask for it ({@link SimulatedCluster#killExecsOnClose}).
 *
 * <p>Never blocks the Vert.x event loop: the process runs and is read on the kit's I/O threads.
 */
final class ExecSession extends WebSocketListener {

    private static final Logger LOG = Logger.getLogger(ExecSession.class);
    private static final int CHUNK = 16 * 1024;

    private final ExecRecord record;
    private final List<String> hostArgv;
    private final Map<String, String> env;
    private final Path workDir;
    private final boolean wantStdout;
    private final boolean wantStderr;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean clientGone = new AtomicBoolean();
    private final boolean killOnClose;
    private volatile Process process;
    private volatile WebSocket ws;

    ExecSession(ExecRecord record, Map<String, String> env, Path workDir, boolean wantStdout, boolean wantStderr,
            ExecutorService io, ScheduledExecutorService timer, boolean killOnClose) {
        this.killOnClose = killOnClose;
        this.record = record;
        this.hostArgv = record.hostArgv();
        this.env = env;
        this.workDir = workDir;
        this.wantStdout = wantStdout;
        this.wantStderr = wantStderr;
        this.io = io;
        this.timer = timer;
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
        this.ws = webSocket;
        io.execute(this::run);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
        // channel 0 (stdin) and 4 (resize): hooks get no stdin, ignore
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
        clientGone();
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
        clientGone();
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
        clientGone();
    }

    /** Simulates a dropped connection: the server ends the stream without a status (and the process dies). */
    void drop() {
        WebSocket w = ws;
        if (w != null) {
            w.close(1011, "simulated connection loss");
        }
        clientGone();
    }

    boolean finished() {
        return record.ended() != null && (clientGone.get() || process == null || !process.isAlive());
    }

    ExecRecord record() {
        return record;
    }

    private void clientGone() {
        if (!clientGone.compareAndSet(false, true)) {
            return;
        }
        Process p = process;
        if (killOnClose && p != null && p.isAlive()) {
            record.markKilledByClose();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private void run() {
        ProcessBuilder pb = new ProcessBuilder(hostArgv).directory(workDir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (!wantStdout) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        if (!wantStderr) {
            pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            // what a container runtime reports for a missing or non-executable argv[0]
            String msg = "exec: \"" + record.argv().get(0) + "\": " + e.getMessage();
            record.startFailed(msg);
            send(2, (msg + "\n").getBytes(StandardCharsets.UTF_8));
            sendStatus(127);
            return;
        }
        process = p;
        record.started(p.toHandle(), Instant.now());
        if (killOnClose && clientGone.get()) { // the client left while we were starting
            record.markKilledByClose();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        var outDone = wantStdout ? io.submit(() -> pump(p.getInputStream(), 1)) : null;
        var errDone = wantStderr ? io.submit(() -> pump(p.getErrorStream(), 2)) : null;
        int code;
        try {
            code = p.waitFor();
            record.ended(code, Instant.now());
            // like a container runtime, the exec ends when the streams end; a daemon that keeps the hook's
            // stdout/stderr open keeps the exec open (hook authors must redirect their daemons' stdio)
            if (outDone != null) {
                outDone.get();
            }
            if (errDone != null) {
                errDone.get();
            }
        } catch (Exception e) {
            LOG.debugf(e, "exec %s interrupted", record);
            p.destroyForcibly();
            return;
        }
        sendStatus(code);
    }

    private Void pump(InputStream in, int channel) {
        byte[] buf = new byte[CHUNK];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0 && !clientGone.get()) {
                    byte[] frame = new byte[n + 1];
                    frame[0] = (byte) channel;
                    System.arraycopy(buf, 0, frame, 1, n);
                    ws.send(frame);
                }
            }
        } catch (IOException e) {
            // the process died or the stream was closed
        }
        return null;
    }

    private void send(int channel, byte[] data) {
        if (clientGone.get()) {
            return;
        }
        byte[] frame = new byte[data.length + 1];
        frame[0] = (byte) channel;
        System.arraycopy(data, 0, frame, 1, data.length);
        ws.send(frame);
    }

    private void sendStatus(int code) {
        if (clientGone.get()) {
            return;
        }
        send(3, statusJson(record.argv(), code).getBytes(StandardCharsets.UTF_8));
        // let the client close first; close ourselves only if it does not within 2 s
        timer.schedule(() -> {
            if (!clientGone.get()) {
                ws.close(1000, "");
            }
        }, 2, TimeUnit.SECONDS);
    }

    /** The Status a kubelet sends on channel 3 (k8s.io/apimachinery remotecommand). */
    static String statusJson(List<String> argv, int code) {
        if (code == 0) {
            return "{\"metadata\":{},\"status\":\"Success\"}";
        }
        String cmd = jsonEscape("command terminated with non-zero exit code: error executing command "
                + argv + ", exit code " + code);
        return "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"" + cmd
                + "\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\""
                + code + "\"}]}}";
    }

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
