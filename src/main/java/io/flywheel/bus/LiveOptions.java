package io.flywheel.bus;

import io.flywheel.event.Event;
import java.util.function.Predicate;

/**
 * What one live subscriber asks for.
 *
 * @param name          the stable label of its metrics (a name it gave, or its peer), shared by reconnects
 * @param filter        the events it wants
 * @param maxBytes      its buffer bound: beyond it the oldest waiting events are dropped and counted as lag
 * @param committedOnly durable events only, each delivered once the journal has fsynced it
 */
public record LiveOptions(String name, Predicate<Event> filter, long maxBytes, boolean committedOnly) {
    /**
     * The filter that takes every event. A subscriber with it shares each published block with the others instead of
     * copying what it wants, so use it rather than an {@code e -> true} of your own.
     */
    public static final Predicate<Event> ALL = e -> true;

    public LiveOptions {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("buffer bound must be positive: " + maxBytes);
        }
    }

    public static LiveOptions all(String name) {
        return new LiveOptions(name, ALL, Broadcaster.DEFAULT_BUFFER_BYTES, false);
    }
}
