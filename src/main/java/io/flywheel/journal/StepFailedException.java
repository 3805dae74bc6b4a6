package io.flywheel.journal;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** A journal file operation failed; {@link #step()} says which, so that the failure policy can judge it. */
final class StepFailedException extends IOException {
    private final Step step;

    StepFailedException(Step step, IOException cause) {
        super(step.label() + ": " + describe(cause), cause);
        this.step = step;
    }

    Step step() {
        return step;
    }

    /** The OS's words for an I/O error, with the file it concerns. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            m = fse.getReason() + " (" + fse.getFile() + ")";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
