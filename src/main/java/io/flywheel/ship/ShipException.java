package io.flywheel.ship;

import java.util.Locale;

/** A shipping failure, classified so that callers know whether retrying later can help, and operators can alert. */
public class ShipException extends Exception {
    public enum Kind {
        /** server unreachable, timeouts, 5xx, throttling: retried with backoff, then the pass stops; try later */
        UNAVAILABLE(true, false),
        /** the server rejected the credentials or denied access: configuration, retrying does not help */
        CREDENTIALS(true, true),
        /** endpoint, TLS or bucket do not fit the server: configuration, retrying does not help */
        CONFIG(true, true),
        /** any other answer that retrying will not change */
        FATAL(true, false),
        /** a different object already sits at the segment's key; this segment stays local, others go on */
        CONFLICT(false, false),
        /** the local segment no longer holds the bytes it was sealed with; it stays local, others go on */
        CORRUPT(false, false),
        /** the local segment could not be read or moved */
        LOCAL(false, false);

        private final boolean stopsPass;
        private final boolean configuration;

        Kind(boolean stopsPass, boolean configuration) {
            this.stopsPass = stopsPass;
            this.configuration = configuration;
        }

        /** Whether the next segment would fail the same way, so the pass ends here. */
        public boolean stopsPass() {
            return stopsPass;
        }

        /** Bad configuration: {@code flywheel ship} exits 2, as for bad options. */
        public boolean configuration() {
            return configuration;
        }

        /** The {@code class} label of {@code flywheel_ship_failures_total}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;

    public ShipException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
