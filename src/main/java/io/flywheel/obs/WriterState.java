package io.flywheel.obs;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.WriterLock;
import java.io.IOException;

/**
 * Whether a {@code flywheel run} is writing to a data directory, and its pid (null when none). Only another process
 * may {@link #probe} the lock file: the writer itself must not, because closing any descriptor it has on
 * {@code run.lock} drops its own POSIX lock - so a running server describes itself with {@link #self()}.
 */
public record WriterState(boolean live, String pid) {

    /** Asks the lock file, from a process that is not the writer (status, verify). */
    public static WriterState probe(DataDir dir) throws IOException {
        boolean live = WriterLock.isHeld(dir);
        return new WriterState(live, live ? WriterLock.holder(dir) : null);
    }

    /** The running writer describing itself, from memory. */
    public static WriterState self() {
        return new WriterState(true, Long.toString(ProcessHandle.current().pid()));
    }
}
