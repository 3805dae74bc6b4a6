package io.flywheel.bus;

import io.flywheel.event.Event;
import java.util.concurrent.Flow;

/**
 * A subscriber that writes through a buffer, and takes events in runs.
 *
 * <p>Events come as {@link #onEvents runs} straight from the broadcaster's queue: no signal object, no call and no
 * demand bookkeeping per event, which is what a subscriber that writes every event to a socket or a file spends most
 * of its time on otherwise. A lag notice still comes through {@link #onNext}. {@link #idle()} tells it that nothing
 * more is waiting right now (at most every couple of milliseconds under load), which is when a buffered writer should
 * flush - so a quiet stream flows promptly without a timer per subscriber.
 */
public interface LiveSink extends Flow.Subscriber<Signal> {
    /**
     * Delivers {@code events[from..to)}, oldest first, on the delivering thread; each counts as one signal of demand.
     * The array is shared with other subscribers: read it, never change it, and keep no reference to it after returning.
     */
    void onEvents(Event[] events, int from, int to);

    /**
     * Called on the delivering thread when nothing more is deliverable right now (a committed-only queue may still
     * hold events not fsynced yet), at most once every couple of milliseconds: the time to flush.
     */
    void idle();
}
