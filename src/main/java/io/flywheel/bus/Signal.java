package io.flywheel.bus;

import io.flywheel.event.Event;

/** What a live subscriber receives: an event, or a notice that it fell behind and missed some. */
public sealed interface Signal {
    record Delivered(Event event) implements Signal {
    }

    /** The subscriber fell behind; {@code missed} events were dropped for it, the stream goes on with newer ones. */
    record Lagged(long missed) implements Signal {
    }
}
