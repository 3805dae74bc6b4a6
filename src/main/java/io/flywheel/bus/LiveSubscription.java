package io.flywheel.bus;

import io.flywheel.event.Event;
import java.util.ArrayDeque;
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
 * and something deliverable, then ends - an idle subscriber owns no thread and polls nothing.
 */
final class LiveSubscription implements Flow.Subscription {
    /** Per-event bookkeeping beside its bytes (object headers, queue slot, signal), so tiny events still count. */
    static final int OVERHEAD = 96;

    final LiveOptions options;
    private final Flow.Subscriber<? super Signal> downstream;
    private final Broadcaster owner;
    private final Executor executor;
    private final ArrayDeque<Event> queue = new ArrayDeque<>();
    private long bytes; // guarded by this
    private long missed; // not yet reported, guarded by this
    private final AtomicLong missedTotal = new AtomicLong();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile boolean completed;
    private volatile boolean terminated;

    LiveSubscription(LiveOptions options, Flow.Subscriber<? super Signal> downstream, Broadcaster owner, Executor executor) {
        this.options = options;
        this.downstream = downstream;
        this.owner = owner;
        this.executor = executor;
    }

    static long cost(Event e) {
        return e.raw().length + OVERHEAD;
    }

    /** Never blocks and never calls the subscriber; returns true when the event was queued. */
    boolean enqueue(Event e) {
        if (cancelled || completed || (options.committedOnly() && !e.durable()) || !options.filter().test(e)) {
            return false;
        }
        synchronized (this) {
            queue.addLast(e);
            bytes += cost(e);
            // the newest event always stays, even one larger than the bound: a stream of big events still flows
            while (bytes > options.maxBytes() && queue.size() > 1) {
                bytes -= cost(queue.pollFirst());
                missed++;
                missedTotal.incrementAndGet();
            }
        }
        return true;
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
        int runs = 1;
        while (true) {
            long demand = requested.get();
            long emitted = 0;
            boolean emptyNow = false;
            while (emitted != demand && !cancelled) {
                Signal next;
                synchronized (this) {
                    if (missed > 0) {
                        next = new Signal.Lagged(missed);
                        missed = 0;
                    } else {
                        Event head = queue.peekFirst();
                        if (head == null || (options.committedOnly() && head.seq() > owner.syncedSeq())) {
                            next = null;
                            emptyNow = head == null;
                        } else {
                            queue.pollFirst();
                            bytes -= cost(head);
                            next = new Signal.Delivered(head);
                        }
                    }
                }
                if (next == null) {
                    break;
                }
                try {
                    downstream.onNext(next);
                } catch (Throwable t) {
                    cancel();
                    downstream.onError(t);
                    return;
                }
                emitted++;
            }
            if (emitted > 0 && demand != Long.MAX_VALUE) {
                requested.addAndGet(-emitted);
            }
            if (cancelled) {
                return;
            }
            if (emitted > 0 && emptyNow && downstream instanceof LiveSink sink) {
                sink.idle();
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
