package io.flywheel.bus;

import io.flywheel.event.Event;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber of the {@link Broadcaster}: a queue bounded by bytes and a Reactive Streams subscription.
 *
 * <p>Publishers only enqueue (dropping the oldest beyond the bound, counted as lag) and never call the subscriber,
 * so a subscriber that blocks in {@code onNext} stalls nobody but itself. Delivery is the usual work-in-progress
 * drain: whoever finds the counter at zero starts one drain run on the executor; it delivers while there is demand
 * and something deliverable, then ends - an idle subscriber owns no thread and polls nothing. A {@link LiveSink} gets
 * runs of events straight from the queue's blocks; any other subscriber gets one {@link Signal} per event.
 */
final class LiveSubscription implements Flow.Subscription {
    /** Per-event bookkeeping beside its bytes (object headers, queue slot, signal), so tiny events still count. */
    static final int OVERHEAD = 96;

    final LiveOptions options;
    private final Flow.Subscriber<? super Signal> downstream;
    private final Broadcaster owner;
    private final Executor executor;
    private final EventRing queue = new EventRing(); // guarded by this
    private long bytes; // guarded by this
    private long missed; // not yet reported, guarded by this
    private final AtomicLong missedTotal = new AtomicLong();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final Event[] batch = new Event[256]; // only the one running drain uses it (work-in-progress guard)
    private volatile boolean cancelled;
    private volatile boolean completed;
    private volatile boolean terminated;
    static final long FLUSH_NANOS = 2_000_000L;
    private long lastFlush = System.nanoTime() - FLUSH_NANOS; // drain-only
    private volatile boolean flushDue;
    private volatile boolean flushArmed;

    LiveSubscription(LiveOptions options, Flow.Subscriber<? super Signal> downstream, Broadcaster owner, Executor executor) {
        this.options = options;
        this.downstream = downstream;
        this.owner = owner;
        this.executor = executor;
    }

    static int cost(Event e) {
        return e.raw().length + OVERHEAD;
    }

    private boolean wants(Event e) {
        return !(options.committedOnly() && !e.durable()) && options.filter().test(e);
    }

    /** Whether this subscriber takes every event as published, so that it can share the publisher's block. */
    private boolean takesAll() {
        return options.filter() == LiveOptions.ALL && !options.committedOnly();
    }

    /**
     * Queues a published block under one lock: producers of blocks contend once per block. Never blocks and never
     * calls the subscriber; returns true when something was queued. {@code events} is shared with other subscribers
     * and must not change; {@code cost} is the sum of its events' costs.
     */
    boolean enqueue(Event[] events, int count, long cost) {
        if (cancelled || completed) {
            return false;
        }
        Event[] mine = events;
        int n = count;
        long c = cost;
        if (!takesAll()) {
            // a filtering subscriber keeps only what it wants, so that its bound and its lag count are its own
            mine = null;
            n = 0;
            c = 0;
            for (int i = 0; i < count; i++) {
                Event e = events[i];
                if (wants(e)) {
                    if (mine == null) {
                        mine = new Event[count - i];
                    }
                    mine[n++] = e;
                    c += cost(e);
                }
            }
            if (n == 0) {
                return false;
            }
        }
        long dropped;
        synchronized (this) {
            dropped = add(mine, n, c);
        }
        if (dropped > 0) {
            missedTotal.addAndGet(dropped); // once per block: a stalled subscriber drops on every publish
        }
        return true;
    }

    /**
     * Queues a block, dropping the oldest beyond the bound - whole blocks while more than one is held, then single
     * events; returns how many events were dropped (the caller counts them).
     */
    private long add(Event[] events, int count, long cost) {
        queue.addBlock(events, count, cost);
        bytes += cost;
        long dropped = 0;
        while (bytes > options.maxBytes() && queue.blocks() > 1) {
            dropped += queue.firstBlockEvents();
            bytes -= queue.firstBlockCost();
            queue.dropBlock();
        }
        // the newest event always stays, even one larger than the bound: a stream of big events still flows
        while (bytes > options.maxBytes() && queue.firstBlockEvents() > 1) {
            long c = cost(queue.peekFirst());
            bytes -= c;
            queue.dropFirst(c);
            dropped++;
        }
        missed += dropped;
        return dropped;
    }

    /**
     * After a publish: starts a drain only when the subscriber has demand. A stalled subscriber then costs publishers
     * an enqueue and nothing else; its {@link #request} starts the drain that delivers what waited (the queue was
     * filled before demand is read here, so nothing is left behind).
     */
    void published() {
        if (requested.get() > 0) {
            schedule();
        }
    }

    void schedule() {
        if (wip.getAndIncrement() == 0) {
            try {
                executor.execute(this::drain);
            } catch (RuntimeException rejected) {
                wip.set(0);
            }
        }
    }

    void complete() {
        completed = true;
        schedule();
    }

    long missedTotal() {
        return missedTotal.get();
    }

    synchronized long bufferedBytes() {
        return bytes;
    }

    private void drain() {
        LiveSink sink = downstream instanceof LiveSink k ? k : null;
        int runs = 1;
        while (true) {
            long demand = requested.get();
            long emitted = 0;
            boolean emptyNow = false;
            while (emitted != demand && !cancelled) {
                long lag;
                Event[] events = batch;
                int from = 0;
                int n = 0;
                // one lock per run or batch, not per event: publishers contend on the same monitor
                synchronized (this) {
                    lag = missed;
                    missed = 0;
                    long want = demand - emitted - (lag > 0 ? 1 : 0);
                    if (sink == null) {
                        n = takeBatch(want);
                    } else if (!queue.isEmpty()) {
                        events = queue.firstBlock(); // immutable: the run is read from it after the lock
                        from = queue.firstFrom();
                        n = takeRun(want);
                    }
                    emptyNow = queue.isEmpty();
                }
                if (lag == 0 && n == 0) {
                    break;
                }
                try {
                    if (lag > 0) {
                        downstream.onNext(new Signal.Lagged(lag));
                        emitted++;
                    }
                    if (sink != null) {
                        if (n > 0) {
                            sink.onEvents(events, from, from + n);
                            emitted += n;
                        }
                    } else {
                        for (int i = 0; i < n && !cancelled; i++) {
                            downstream.onNext(new Signal.Delivered(batch[i]));
                            emitted++;
                        }
                    }
                } catch (Throwable t) {
                    cancel();
                    downstream.onError(t);
                    return;
                } finally {
                    if (sink == null) {
                        java.util.Arrays.fill(batch, 0, n, null);
                    }
                }
            }
            if (emitted > 0 && demand != Long.MAX_VALUE) {
                requested.addAndGet(-emitted);
            }
            if (cancelled) {
                return;
            }
            // idle = nothing deliverable now: a committed-only subscriber's queue may keep events not fsynced yet
            if ((emitted > 0 || flushDue) && sink != null && (emptyNow || !hasDeliverable())) {
                idle(sink);
            }
            if (completed && !hasDeliverable()) {
                terminate();
                return;
            }
            runs = wip.addAndGet(-runs);
            if (runs == 0) {
                return;
            }
        }
    }

    /**
     * Takes up to {@code want} deliverable events from the front of the oldest block, which stay in its array;
     * returns how many. Called with the lock held and the queue not empty.
     */
    private int takeRun(long want) {
        Event[] b = queue.firstBlock();
        int from = queue.firstFrom();
        int n = (int) Math.min(queue.firstTo() - from, want);
        long synced = options.committedOnly() ? owner.syncedSeq() : Long.MAX_VALUE;
        if (n > 0 && b[from + n - 1].seq() > synced) {
            // a committed-only subscriber's blocks hold durable events only, in seq order
            int kept = 0;
            while (kept < n && b[from + kept].seq() <= synced) {
                kept++;
            }
            n = kept;
        }
        if (n > 0) {
            bytes -= queue.takeFirst(n);
        }
        return n;
    }

    /** Moves up to {@code want} deliverable events into {@link #batch}; returns how many. Called with the lock held. */
    private int takeBatch(long want) {
        long max = Math.min(want, batch.length);
        long synced = options.committedOnly() ? owner.syncedSeq() : Long.MAX_VALUE;
        int n = 0;
        while (n < max) {
            Event head = queue.peekFirst();
            if (head == null || head.seq() > synced) {
                break;
            }
            long c = cost(head);
            bytes -= c;
            queue.dropFirst(c);
            batch[n++] = head;
        }
        return n;
    }

    /**
     * Tells a buffered writer to flush, at most once per {@link #FLUSH_NANOS}: a steady stream then costs one write per
     * few milliseconds rather than one per published block, and a quiet one is still flushed at once. A flush that
     * is held back is done by a later drain run, which the broadcaster's one shared timer starts.
     */
    private void idle(LiveSink sink) {
        long now = System.nanoTime();
        if (flushDue || now - lastFlush >= FLUSH_NANOS) {
            flushDue = false;
            lastFlush = now;
            sink.idle();
        } else if (!flushArmed) {
            flushArmed = true;
            owner.later(() -> {
                flushArmed = false;
                flushDue = true;
                schedule();
            }, FLUSH_NANOS);
        }
    }

    /**
     * Whether something could still be delivered. After the broadcaster closed, the journal has synced what it kept,
     * so a committed-only event still waiting then was never kept: it is not delivered.
     */
    private synchronized boolean hasDeliverable() {
        if (missed > 0) {
            return true;
        }
        Event head = queue.peekFirst();
        return head != null && (!options.committedOnly() || head.seq() <= owner.syncedSeq());
    }

    private void terminate() {
        if (!terminated) {
            terminated = true;
            cancelled = true;
            owner.departed(this);
            clear();
            downstream.onComplete();
        }
    }

    private synchronized void clear() {
        queue.clear();
        bytes = 0;
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            if (!cancelled) {
                cancel();
                downstream.onError(new IllegalArgumentException("request must be positive (§3.9)"));
            }
            return;
        }
        requested.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        schedule();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            terminated = true;
            owner.departed(this);
            clear();
        }
    }
}
