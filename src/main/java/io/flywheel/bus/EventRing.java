package io.flywheel.bus;

import io.flywheel.event.Event;

/**
 * A subscriber's queue: a growable ring of events with each one's cost kept beside it. A stalled subscriber drops its
 * oldest event on every publish; reading the cost from this array instead of from the event itself means the drop
 * never touches an object that has long left the cache. Not thread-safe: its subscription guards it.
 */
final class EventRing {
    private Event[] items = new Event[64];
    private int[] costs = new int[64];
    private int head;
    private int size;

    void addLast(Event e, int cost) {
        if (size == items.length) {
            grow();
        }
        int slot = (head + size) & (items.length - 1);
        items[slot] = e;
        costs[slot] = cost;
        size++;
    }

    /** The oldest event, or null. */
    Event peekFirst() {
        return size == 0 ? null : items[head];
    }

    /** The cost of the oldest event; only when not empty. */
    int firstCost() {
        return costs[head];
    }

    /** Removes the oldest event (not empty). */
    void dropFirst() {
        items[head] = null;
        head = (head + 1) & (items.length - 1);
        size--;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        java.util.Arrays.fill(items, null);
        head = 0;
        size = 0;
    }

    private void grow() {
        int n = items.length;
        Event[] ni = new Event[n * 2];
        int[] nc = new int[n * 2];
        for (int i = 0; i < size; i++) {
            int slot = (head + i) & (n - 1);
            ni[i] = items[slot];
            nc[i] = costs[slot];
        }
        items = ni;
        costs = nc;
        head = 0;
    }
}
