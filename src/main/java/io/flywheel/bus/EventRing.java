package io.flywheel.bus;

import io.flywheel.event.Event;

/**
 * A subscriber's queue: a ring of blocks of events, each block as it was published (a subscriber that takes every
 * event shares the publisher's block array with all such subscribers), with the cost of what is left of each block
 * kept beside it. A stalled subscriber drops whole blocks from its head, so publishing to it costs a few stores per
 * block, not work per event, and a drop never touches events that have long left the cache. Not thread-safe: its
 * subscription guards it.
 */
final class EventRing {
    private Event[][] blocks = new Event[16][];
    private int[] from = new int[16];
    private int[] to = new int[16];
    private long[] costs = new long[16];
    private int head;
    private int size; // blocks

    void addBlock(Event[] events, int count, long cost) {
        if (size == blocks.length) {
            grow();
        }
        int slot = (head + size) & (blocks.length - 1);
        blocks[slot] = events;
        from[slot] = 0;
        to[slot] = count;
        costs[slot] = cost;
        size++;
    }

    /** The oldest event, or null. */
    Event peekFirst() {
        return size == 0 ? null : blocks[head][from[head]];
    }

    /** Removes the oldest event (not empty); {@code cost} is its cost. */
    void dropFirst(long cost) {
        costs[head] -= cost;
        if (++from[head] == to[head]) {
            dropBlock();
        }
    }

    /** The oldest block's array (not empty): its events {@link #firstFrom()} to {@link #firstTo()} are still held. */
    Event[] firstBlock() {
        return blocks[head];
    }

    int firstFrom() {
        return from[head];
    }

    int firstTo() {
        return to[head];
    }

    /** Removes the oldest {@code n} events of the oldest block (not more than it holds); returns their cost. */
    long takeFirst(int n) {
        if (n == to[head] - from[head]) {
            long c = costs[head];
            dropBlock();
            return c;
        }
        long c = 0;
        Event[] b = blocks[head];
        for (int i = from[head], end = i + n; i < end; i++) {
            c += LiveSubscription.cost(b[i]);
        }
        costs[head] -= c;
        from[head] += n;
        return c;
    }

    /** Blocks held. */
    int blocks() {
        return size;
    }

    /** Events left in the oldest block (not empty). */
    int firstBlockEvents() {
        return to[head] - from[head];
    }

    /** Cost of what is left of the oldest block (not empty). */
    long firstBlockCost() {
        return costs[head];
    }

    /** Removes what is left of the oldest block (not empty). */
    void dropBlock() {
        blocks[head] = null;
        head = (head + 1) & (blocks.length - 1);
        size--;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        java.util.Arrays.fill(blocks, null);
        head = 0;
        size = 0;
    }

    private void grow() {
        int n = blocks.length;
        Event[][] nb = new Event[n * 2][];
        int[] nf = new int[n * 2];
        int[] nt = new int[n * 2];
        long[] nc = new long[n * 2];
        for (int i = 0; i < size; i++) {
            int slot = (head + i) & (n - 1);
            nb[i] = blocks[slot];
            nf[i] = from[slot];
            nt[i] = to[slot];
            nc[i] = costs[slot];
        }
        blocks = nb;
        from = nf;
        to = nt;
        costs = nc;
        head = 0;
    }
}
