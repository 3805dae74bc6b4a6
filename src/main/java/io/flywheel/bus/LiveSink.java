package io.flywheel.bus;

import java.util.concurrent.Flow;

/**
 * A subscriber that writes through a buffer: {@link #idle()} tells it that nothing more is waiting right now, which
 * is when a buffered writer should flush - so a quiet stream flows promptly without a timer per subscriber.
 */
public interface LiveSink extends Flow.Subscriber<Signal> {
    /** Called on the delivering thread after a run of deliveries, when the subscriber's buffer is empty. */
    void idle();
}
