package org.clusterlabs.rss.testkit;

import java.time.Instant;
import java.util.List;

/** One process the simulated kubelet ran for an exec request. */
public final class ExecRecord {
    private final String namespace;
    private final String pod;
    private final String container;
    private final List<String> argv;
    private final List<String> hostArgv;
    private volatile long pid = -1;
    /** The process itself: a PID alone may name another process once it is reused. */
    private volatile ProcessHandle handle;
    private volatile Instant started;
    private volatile Instant ended;
    private volatile Integer exitCode;
    private volatile boolean killedByClose;
    private volatile String startError;

    private final String podUid;
    private final Instant requested = Instant.now();

    ExecRecord(String namespace, String pod, String podUid, String container, List<String> argv,
            List<String> hostArgv) {
        this.podUid = podUid;
        this.namespace = namespace;
        this.pod = pod;
        this.container = container;
        this.argv = List.copyOf(argv);
        this.hostArgv = List.copyOf(hostArgv);
    }

    public String namespace() {
        return namespace;
    }

    public String pod() {
        return pod;
    }

    /** The UID of the pod (the incarnation) the exec ran in. */
    public String podUid() {
        return podUid;
    }

    /** When the kubelet received the exec request (before the process started). */
    public Instant requested() {
        return requested;
    }

    public String container() {
        return container;
    }

    /** The argv exactly as the exec request carried it. */
    public List<String> argv() {
        return argv;
    }

    /** The argv as started locally (argv[0] mapped through the mount table). */
    public List<String> hostArgv() {
        return hostArgv;
    }

    /** The local PID, or -1 if the process could not start. */
    public long pid() {
        return pid;
    }

    public Instant started() {
        return started;
    }

    /** When the process exited (null while it runs). */
    public Instant ended() {
        return ended;
    }

    public Integer exitCode() {
        return exitCode;
    }

    /** True when the client closed or dropped the stream while the process ran, and the kit killed it. */
    public boolean killedByClose() {
        return killedByClose;
    }

    public String startError() {
        return startError;
    }

    public boolean alive() {
        ProcessHandle h = handle;
        return h != null && h.isAlive();
    }

    /** The process, while it may still run (its handle checks its start time, so a reused PID is not it). */
    java.util.Optional<ProcessHandle> process() {
        return java.util.Optional.ofNullable(handle).filter(ProcessHandle::isAlive);
    }

    void started(ProcessHandle process, Instant at) {
        this.handle = process;
        this.pid = process.pid();
        this.started = at;
    }

    void ended(int code, Instant at) {
        this.exitCode = code;
        this.ended = at;
    }

    void markKilledByClose() {
        this.killedByClose = true;
    }

    void startFailed(String error) {
        this.startError = error;
        this.started = Instant.now();
        this.ended = this.started;
    }

    @Override
    public String toString() {
        return "exec " + namespace + "/" + pod + " " + argv + " pid=" + pid + " exit=" + exitCode
                + (killedByClose ? " killed-by-close" : "");
    }
}
