package io.flywheel.cli;

import java.io.IOException;

/** A closed pipe on stdout is the reader saying "enough", not an error worth a message. */
final class Pipes {
    /** 128 + SIGPIPE: what a shell reports for a Unix tool killed by a closed pipe. */
    static final int EXIT_SIGPIPE = 141;

    private Pipes() {
    }

    static boolean isBrokenPipe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Broken pipe")) {
                return true;
            }
        }
        return false;
    }
}
