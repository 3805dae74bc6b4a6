package io.flywheel.ship;

/** A shipping failure, classified so that callers know whether retrying later can help. */
public class ShipException extends Exception {
    public enum Kind {
        /** server unreachable, timeouts, 5xx, throttling: retried with backoff, then the pass stops; try later */
        UNAVAILABLE,
        /** wrong credentials, access denied, missing bucket, bad configuration: retrying does not help */
        FATAL,
        /** a different object already sits at the segment's key; this segment stays local, others go on */
        CONFLICT,
        /** the local segment could not be read or moved */
        LOCAL
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
