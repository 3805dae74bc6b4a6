package io.flywheel.bus;

import io.flywheel.event.Event;
import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The live fan-out: every accepted event goes to every subscriber's own bounded {@link LaggingBuffer}. Publishing
 * is a few array stores per subscriber and never waits, so a stalled subscriber cannot slow ingest or the journal;
 * it loses the oldest events instead and is told how many.
 */
public final class Broadcaster {
    public static final int DEFAULT_CAPACITY = 4096;

    private final List<LaggingBuffer> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicLong droppedForGone = new AtomicLong();
    private volatile boolean closed;

    /** Hands an event to every subscriber. Cheap when nobody listens: check {@link #hasSubscribers()} first. */
    public void publish(Event e) {
        for (LaggingBuffer s : subscribers) {
            s.offer(e);
        }
    }

    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    /** A live stream of signals; each subscription gets a ring of {@code capacity} events and its own thread. */
    public Multi<Signal> subscribe(int capacity, Predicate<Event> filter) {
        return subscribe(capacity, Long.MAX_VALUE, filter);
    }

    /**
     * Like {@link #subscribe(int, Predicate)}, the ring also holding at most {@code maxBytes} of event bytes: a
     * thousand-event ring of megabyte events would otherwise hold a gigabyte for one slow tap.
     */
    public Multi<Signal> subscribe(int capacity, long maxBytes, Predicate<Event> filter) {
        Flow.Publisher<Signal> publisher = downstream -> {
            if (closed) {
                downstream.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                downstream.onComplete();
                return;
            }
            LaggingBuffer[] self = new LaggingBuffer[1];
            self[0] = new LaggingBuffer(capacity, maxBytes, filter, downstream, () -> {
                subscribers.remove(self[0]);
                droppedForGone.addAndGet(self[0].missedTotal());
            });
            subscribers.add(self[0]);
            self[0].start();
        };
        return Multi.createFrom().publisher(publisher);
    }

    /** Events dropped for lagging subscribers, live and departed. */
    public long droppedTotal() {
        long sum = droppedForGone.get();
        for (LaggingBuffer s : subscribers) {
            sum += s.missedTotal();
        }
        return sum;
    }

    /** Per live subscriber, the events it missed so far. */
    public long[] droppedPerSubscriber() {
        return subscribers.stream().mapToLong(LaggingBuffer::missedTotal).toArray();
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    /** Completes every subscriber once it has drained what it holds. */
    public void close() {
        closed = true;
        for (LaggingBuffer s : subscribers) {
            s.complete();
        }
    }
}
