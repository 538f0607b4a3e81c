package org.clusterlabs.rss.recovery;

/**
 * A copy's data: a chain of writes. Two copies share a prefix by sharing nodes, so "does this copy hold that write"
 * is a walk up the chain. The sequence a copy reports is its depth.
 */
final class History {

    final History parent;
    final int depth;
    final int write;

    /** The empty volume. */
    static final History EMPTY = new History(null, 0);

    private History(History parent, int write) {
        this.parent = parent;
        this.depth = parent == null ? 0 : parent.depth + 1;
        this.write = write;
    }

    static History append(History head, int write) {
        return new History(head, write);
    }

    static int depth(History head) {
        return head.depth;
    }

    /** Whether the chain ending at {@code head} holds {@code write} (an empty write is held by every chain). */
    static boolean holds(History head, History write) {
        if (write == null) {
            return true;
        }
        History h = head;
        while (h != null && h.depth > write.depth) {
            h = h.parent;
        }
        return h == write;
    }
}
