package io.flywheel.bus;

import io.flywheel.event.Event;
import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live fan-out. Every accepted event goes to each subscriber's own queue, bounded by bytes
 * ({@link LiveOptions#maxBytes()}); publishing only enqueues and never waits for or calls a subscriber (it waits only,
 * briefly, for earlier publishers' turns, see {@link #takeTurn()}), so a stalled
 * subscriber cannot slow ingest or the journal - it loses the oldest events instead and is told how many through a
 * {@link Signal.Lagged} before its next event. Delivery honours Reactive Streams demand and runs on a virtual thread
 * only while a subscriber has both demand and something to deliver.
 *
 * <p>Callers publish outside the journal's lock: fan-out cost must never be paid inside the group commit's
 * critical section.
 */
public final class Broadcaster {
    /** A subscriber's default buffer: a few seconds of a busy agent; only its one newest event may take it past this. */
    public static final long DEFAULT_BUFFER_BYTES = 8L << 20;

    private final List<LiveSubscription> subscribers = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> droppedByName = new ConcurrentHashMap<>();
    private final LongAdder droppedForGone = new LongAdder();
    private final AtomicLong turnsGiven = new AtomicLong();
    private final Object turns = new Object();
    private long serving; // the turn that may publish now, guarded by turns
    private final ExecutorService deliveries = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("flywheel-live-", 0).factory());
    // one thread for every subscriber's held-back flush, and only while one is pending
    private final java.util.concurrent.ScheduledThreadPoolExecutor timer = timer();
    private volatile long syncedSeq;
    private volatile boolean closed;

    /** Hands an event to every subscriber that wants it. Cheap when nobody listens: check {@link #hasSubscribers()}. */
    public void publish(Event e) {
        publish(new Event[] {e}, 1);
    }

    /** As {@link #publish(Event)} for a block of events: each subscriber is woken once for the whole block. */
    public void publish(Event[] events, int count) {
        if (subscribers.isEmpty() || count == 0) {
            return;
        }
        // one copy of the block, shared by every subscriber that takes all events: the caller reuses its array
        Event[] block = java.util.Arrays.copyOf(events, count);
        long cost = 0;
        for (int i = 0; i < count; i++) {
            cost += LiveSubscription.cost(block[i]);
        }
        for (LiveSubscription s : subscribers) {
            if (s.enqueue(block, count, cost)) {
                s.published();
            }
        }
    }

    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /**
     * The journal fsynced every durable event up to {@code seq}: committed-only subscribers may now get them. Runs on
     * the committer thread, so it only wakes subscribers that wait for it.
     */
    public void synced(long seq) {
        if (seq <= syncedSeq) {
            return;
        }
        syncedSeq = seq;
        for (LiveSubscription s : subscribers) {
            if (s.options.committedOnly()) {
                s.schedule();
            }
        }
    }

    private static java.util.concurrent.ScheduledThreadPoolExecutor timer() {
        var t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "flywheel-live-flush");
            th.setDaemon(true);
            return th;
        });
        t.setKeepAliveTime(1, java.util.concurrent.TimeUnit.SECONDS);
        t.allowCoreThreadTimeOut(true);
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    void later(Runnable task, long nanos) {
        timer.schedule(task, nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    long syncedSeq() {
        return syncedSeq;
    }

    /**
     * A place in the publish order, taken where events are numbered (ingest takes it under the journal lock that
     * gives seqs). {@link #publish(long, Event[], int)} with it waits for the turns before it, so events reach
     * subscribers in seq order whichever input sent them, while the fan-out itself stays outside the numbering lock.
     * A turn taken must be published, or every later publisher waits for ever.
     */
    public long takeTurn() {
        return turnsGiven.getAndIncrement();
    }

    /** Publishes in the order of {@link #takeTurn}: waits (uninterruptibly, briefly) for the turns before this one. */
    public void publish(long turn, Event[] events, int count) {
        boolean interrupted = false;
        synchronized (turns) {
            while (serving != turn) {
                try {
                    turns.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the turn must still be taken, or the publishers after it wait for ever
                }
            }
        }
        try {
            publish(events, count);
        } finally {
            synchronized (turns) {
                serving++;
                turns.notifyAll();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Subscribes {@code subscriber} directly (a {@link LiveSink} also learns when to flush). */
    public void subscribe(LiveOptions options, Flow.Subscriber<? super Signal> subscriber) {
        LiveSubscription s = new LiveSubscription(options, subscriber, this, deliveries);
        subscriber.onSubscribe(s);
        subscribers.add(s);
        if (closed) {
            s.complete(); // close() may have run before the add and missed s: completing twice is harmless
        }
    }

    /** A live stream of signals, for Mutiny users. */
    public Multi<Signal> live(LiveOptions options) {
        return Multi.createFrom().publisher(downstream -> subscribe(options, downstream));
    }

    void departed(LiveSubscription s) {
        if (subscribers.remove(s)) {
            long missed = s.missedTotal();
            droppedForGone.add(missed);
            if (missed > 0) {
                droppedByName.computeIfAbsent(s.options.name(), k -> new LongAdder()).add(missed);
            }
        }
    }

    /** Events dropped for lagging subscribers, live and departed. */
    public long droppedTotal() {
        long sum = droppedForGone.sum();
        for (LiveSubscription s : subscribers) {
            sum += s.missedTotal();
        }
        return sum;
    }

    /**
     * Events missed per subscriber name, live and departed together: the label stays the same when a subscriber
     * reconnects, so the counter never goes back. Names that never lagged are left out.
     */
    public Map<String, Long> droppedPerSubscriber() {
        Map<String, Long> out = new TreeMap<>();
        droppedByName.forEach((k, v) -> out.merge(k, v.sum(), Long::sum));
        for (LiveSubscription s : subscribers) {
            long m = s.missedTotal();
            if (m > 0) {
                out.merge(s.options.name(), m, Long::sum);
            }
        }
        return out;
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    /** Bytes waiting in subscriber buffers right now. */
    public long bufferedBytes() {
        long sum = 0;
        for (LiveSubscription s : subscribers) {
            sum += s.bufferedBytes();
        }
        return sum;
    }

    /** Completes every subscriber once it has been handed what it holds (and has demand for it). */
    public void close() {
        closed = true;
        for (LiveSubscription s : subscribers) {
            s.complete();
        }
    }
}
