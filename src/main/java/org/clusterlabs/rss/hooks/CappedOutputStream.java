package org.clusterlabs.rss.hooks;

import java.io.OutputStream;
import java.util.Arrays;

/** Keeps the first {@code cap} bytes written, counts the rest and drops them. Thread-safe. */
final class CappedOutputStream extends OutputStream {

    private final int cap;
    private byte[] buf = new byte[256];
    private int size;
    private long total;

    CappedOutputStream(int cap) {
        this.cap = Math.max(0, cap);
    }

    @Override
    public synchronized void write(int b) {
        total++;
        if (size < cap) {
            ensure(size + 1);
            buf[size++] = (byte) b;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        total += len;
        int keep = Math.min(len, cap - size);
        if (keep > 0) {
            ensure(size + keep);
            System.arraycopy(b, off, buf, size, keep);
            size += keep;
        }
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
