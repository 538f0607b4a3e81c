package org.clusterlabs.rss.hooks;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Keeps the first {@code cap} bytes written, counts the rest and drops them, and tells its owner once, the first
 * time more than {@code cap} bytes arrive (so that the owner can stop reading). Thread-safe.
 */
final class CappedOutputStream extends OutputStream {

    private final int cap;
    private final Runnable onCapExceeded;
    private byte[] buf = new byte[256];
    private int size;
    private long total;
    private boolean told;

    CappedOutputStream(int cap) {
        this(cap, () -> { });
    }

    CappedOutputStream(int cap, Runnable onCapExceeded) {
        this.cap = Math.max(0, cap);
        this.onCapExceeded = onCapExceeded;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (append(b, off, len)) {
            onCapExceeded.run();
        }
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Returns true the first time the cap is passed. */
    private synchronized boolean append(byte[] b, int off, int len) {
        total += len;
        int keep = Math.min(len, cap - size);
        if (keep > 0) {
            ensure(size + keep);
            System.arraycopy(b, off, buf, size, keep);
            size += keep;
        }
        if (total > cap && !told) {
            told = true;
            return true;
        }
        return false;
    }

    private void ensure(int needed) {
        if (needed > buf.length) {
            buf = Arrays.copyOf(buf, Math.min(cap, Math.max(needed, buf.length * 2)));
        }
    }

    synchronized CapturedOutput snapshot() {
        return new CapturedOutput(Arrays.copyOf(buf, size), total, total > size);
    }
}
