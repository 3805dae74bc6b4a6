package io.flywheel.journal;

/** The journal could not make accepted events durable and has stopped accepting more. */
public class JournalFailedException extends RuntimeException {
    public JournalFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
