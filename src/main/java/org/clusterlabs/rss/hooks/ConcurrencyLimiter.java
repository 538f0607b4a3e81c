package org.clusterlabs.rss.hooks;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A global limit and each owner's own limit on running tasks, without ever blocking a thread: a task that finds no
 * slot waits in a FIFO queue and is started (on the given executor) when a slot frees. A queued task of a busy owner
 * never blocks the tasks of other owners behind it.
 */
final class ConcurrencyLimiter {

    private final int global;
    private final Executor executor;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Map<String, Integer> running = new HashMap<>();
    private int runningTotal;

    private record Pending(String owner, int ownerLimit, Runnable task, Runnable onRejected) {
    }

    ConcurrencyLimiter(int global, Executor executor) {
        if (global < 1) {
            throw new IllegalArgumentException("the concurrency limit must be >= 1: " + global);
        }
        this.global = global;
        this.executor = executor;
    }

    /**
     * Runs {@code task} on the executor when a slot is free. The task must call {@link #release(String)} exactly once.
     * If the executor refuses it (shut down), {@code onRejected} runs instead, on the calling thread, and the slot is
     * given back.
     */
    void submit(String owner, int ownerLimit, Runnable task, Runnable onRejected) {
        Pending pending = new Pending(owner, ownerLimit, task, onRejected);
        boolean now;
        synchronized (this) {
            // queued tasks never fit (release() starts every one that does), so a task that fits may go first
            now = fits(pending);
            if (now) {
                take(owner);
            } else {
                queue.add(pending);
            }
        }
        if (now) {
            start(pending);
        }
    }

    private void start(Pending p) {
        try {
            executor.execute(p.task());
        } catch (java.util.concurrent.RejectedExecutionException e) {
            release(p.owner());
            p.onRejected().run();
        }
    }

    void release(String owner) {
        java.util.List<Pending> start = new java.util.ArrayList<>();
        synchronized (this) {
            int n = running.getOrDefault(owner, 0) - 1;
            if (n <= 0) {
                running.remove(owner);
            } else {
                running.put(owner, n);
            }
            runningTotal--;
            for (Iterator<Pending> it = queue.iterator(); it.hasNext() && runningTotal < global;) {
                Pending p = it.next();
                if (fits(p)) {
                    it.remove();
                    take(p.owner());
                    start.add(p);
                }
            }
        }
        start.forEach(this::start);
    }

    synchronized int running() {
        return runningTotal;
    }

    synchronized int queued() {
        return queue.size();
    }

    private boolean fits(Pending p) {
        return runningTotal < global && running.getOrDefault(p.owner(), 0) < p.ownerLimit();
    }

    private void take(String owner) {
        running.merge(owner, 1, Integer::sum);
        runningTotal++;
    }
}
