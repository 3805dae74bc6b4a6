package io.flywheel.ship;

/**
 * Progress callbacks of a ship pass: {@link #begin} and {@link #end} on the thread that runs the pass,
 * {@link #advance} and {@link #segmentDone} from its upload threads, several at once with {@code --parallel}.
 */
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
