package io.flywheel.journal;

import java.io.IOException;
import java.nio.file.FileSystemException;

/** A journal file operation failed; {@link #step()} says which, so that the failure policy can judge it. */
final class StepFailedException extends IOException {
    private final Step step;

    StepFailedException(Step step, IOException cause) {
        this(step, (java.nio.file.Path) null, cause);
    }

    /** With the file the step worked on, so that an operator reading "Input/output error" knows where to look. */
    StepFailedException(Step step, java.nio.file.Path file, IOException cause) {
        this(step, naming(file, describe(cause)), cause);
    }

    private StepFailedException(Step step, String detail, IOException cause) {
        super(step.label() + ": " + detail, cause);
        this.step = step;
        this.detail = detail;
    }

    private final String detail;

    /** The OS's words for the failure, after the file it concerns when known. */
    String detail() {
        return detail;
    }

    private static String naming(java.nio.file.Path file, String m) {
        return file == null || m.contains(file.toString()) ? m : file + ": " + m;
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
