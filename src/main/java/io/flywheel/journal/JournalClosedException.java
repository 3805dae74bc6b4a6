package io.flywheel.journal;

/**
 * The journal is closing or closed, so it takes no more input: the normal end of an input racing the stop, not a
 * failure. Its own type so that a bug's {@link IllegalStateException} is never mistaken for it.
 */
public class JournalClosedException extends RuntimeException {
    public JournalClosedException() {
        super("journal is closed");
    }
}
