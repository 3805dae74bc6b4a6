package io.flywheel.ship;

/** Progress callbacks of a ship pass (called on the shipping thread). */
public interface ShipProgress {
    ShipProgress NONE = new ShipProgress() {
    };

    default void begin(int segments, long bytes) {
    }

    /** {@code n} more bytes of local segment content have been processed. */
    default void advance(long n) {
    }

    default void segmentDone(String name) {
    }

    default void end() {
    }
}
