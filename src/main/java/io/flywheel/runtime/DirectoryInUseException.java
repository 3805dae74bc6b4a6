package io.flywheel.runtime;

import java.nio.file.Path;

/** Another process writes to the data directory: there is one writer per directory. */
public final class DirectoryInUseException extends java.io.IOException {
    private final String holder;

    public DirectoryInUseException(Path dir, String holder) {
        super("another flywheel run (pid " + holder + ") is writing to " + dir);
        this.holder = holder;
    }

    /** The pid written by the process that holds the lock, as read from the lock file. */
    public String holder() {
        return holder;
    }
}
