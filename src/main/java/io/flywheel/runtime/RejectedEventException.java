package io.flywheel.runtime;

/** An appended event was not accepted (malformed JSON, no type, too long, not one line); it is counted and recorded. */
public final class RejectedEventException extends RuntimeException {
    public RejectedEventException(String reason) {
        super(reason, null, false, false);
    }
}
