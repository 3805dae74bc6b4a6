package io.flywheel.obs;

import io.flywheel.config.ByteSize;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * A one-line progress bar on a terminal ({@code [#####     ] label, done / total}), redrawn in place at most ten
 * times a second. Used for long work: shipping, verifying, recovering a large segment. Callers create it only when
 * stderr is a terminal ({@link #onStderrIfTerminal()}), so piped output stays quiet.
 */
public final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private long lastDraw;
    private boolean drawn;

    public ProgressBar(PrintStream out) {
        this.out = out;
    }

    /** A bar on stderr when it is a terminal, else null. */
    public static ProgressBar onStderrIfTerminal() {
        return Terminal.stderrIsTerminal() ? new ProgressBar(System.err) : null;
    }

    /** Redraws with {@code done} of {@code total} bytes; {@code force} skips the ten-per-second limit. */
    public synchronized void show(String label, long done, long total, boolean force) {
        long now = System.nanoTime();
        if (!force && drawn && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        drawn = true;
        long d = Math.max(0, Math.min(done, total));
        int fill = total <= 0 ? WIDTH : (int) (WIDTH * d / total);
        out.print("\r\033[K[" + "#".repeat(fill) + " ".repeat(WIDTH - fill) + "] " + label + ", " + ByteSize.format(d)
                + " / " + ByteSize.format(total));
        out.flush();
    }

    /** Progress through one file (recovery, verify). */
    public void file(String verb, Path file, long done, long total) {
        show(verb + " " + file.getFileName(), done, total, false);
    }

    /** Erases the bar, leaving the cursor at the start of an empty line. */
    public synchronized void clear() {
        if (drawn) {
            out.print("\r\033[K");
            out.flush();
            drawn = false;
        }
    }
}
