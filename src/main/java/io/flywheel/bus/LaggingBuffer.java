package io.flywheel.bus;

import io.flywheel.event.Event;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * One subscriber's bounded ring. Publishers never wait: when the ring is full the oldest event is overwritten and
 * counted as missed, so a slow subscriber keeps the newest events and learns how many it lost through a
 * {@link Signal.Lagged} before the next delivery. Delivery runs on the subscriber's own thread and honours
 * Reactive Streams demand.
 */
final class LaggingBuffer implements Flow.Subscription {
    private final Event[] ring;
    private final long maxBytes;
    private long bytes; // event bytes in the ring, guarded by this
    private final Flow.Subscriber<? super Signal> downstream;
    private final Predicate<Event> filter;
    private final Runnable onCancel;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicLong missedTotal = new AtomicLong();
    private long head; // next to read, guarded by this
    private long tail; // next to write, guarded by this
    private long missed; // not yet reported, guarded by this
    private volatile boolean cancelled;
    private volatile boolean completed;
    private volatile Thread drainer;
    private volatile boolean parked;

    LaggingBuffer(int capacity, long maxBytes, Predicate<Event> filter, Flow.Subscriber<? super Signal> downstream,
                  Runnable onCancel) {
        this.ring = new Event[capacity];
        this.maxBytes = maxBytes;
        this.filter = filter;
        this.downstream = downstream;
        this.onCancel = onCancel;
    }

    void start() {
        downstream.onSubscribe(this);
        drainer = Thread.ofVirtual().name("flywheel-subscriber").start(this::drainLoop);
    }

    void offer(Event e) {
        if (cancelled || !filter.test(e)) {
            return;
        }
        synchronized (this) {
            // the newest event always goes in: a byte bound below one event must not starve the tap
            while (tail > head && (tail - head == ring.length || bytes + e.raw().length > maxBytes)) {
                int slot = (int) (head++ % ring.length);
                bytes -= ring[slot].raw().length;
                ring[slot] = null;
                missed++;
                missedTotal.incrementAndGet();
            }
            bytes += e.raw().length;
            ring[(int) (tail++ % ring.length)] = e;
        }
        wake();
    }

    void complete() {
        completed = true;
        wake();
    }

    private void wake() {
        if (parked) {
            LockSupport.unpark(drainer);
        }
    }

    long missedTotal() {
        return missedTotal.get();
    }

    private void drainLoop() {
        Event[] batch = new Event[Math.min(ring.length, 256)];
        while (!cancelled) {
            long lag = 0;
            int n = 0;
            if (demand.get() > 0) {
                synchronized (this) {
                    lag = missed;
                    missed = 0;
                    long want = Math.min(demand.get() - (lag > 0 ? 1 : 0), batch.length);
                    while (n < want && head < tail) {
                        int slot = (int) (head++ % ring.length);
                        batch[n++] = ring[slot];
                        bytes -= ring[slot].raw().length;
                        ring[slot] = null;
                    }
                }
            }
            if (lag > 0) {
                demand.decrementAndGet();
                downstream.onNext(new Signal.Lagged(lag));
            }
            for (int i = 0; i < n && !cancelled; i++) {
                demand.decrementAndGet();
                downstream.onNext(new Signal.Delivered(batch[i]));
                batch[i] = null;
            }
            if (lag == 0 && n == 0) {
                boolean empty;
                synchronized (this) {
                    empty = head == tail && missed == 0;
                }
                if (completed && empty) {
                    if (!cancelled) {
                        downstream.onComplete();
                    }
                    return;
                }
                parked = true;
                synchronized (this) {
                    empty = head == tail && missed == 0;
                }
                if ((empty || demand.get() == 0) && !completed && !cancelled) {
                    LockSupport.parkNanos(this, 100_000_000L);
                }
                parked = false;
            }
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            cancel();
            downstream.onError(new IllegalArgumentException("request must be positive (§3.9)"));
            return;
        }
        demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
        wake();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            onCancel.run();
            wake();
        }
    }
}
