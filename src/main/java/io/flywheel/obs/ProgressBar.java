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
    private static final int MAX_BAR = 30;
    private static final int MIN_BAR = 10;
    private final PrintStream out;
    private final int columns;
    private long lastDraw;
    private boolean drawn;

    public ProgressBar(PrintStream out) {
        this(out, Terminal.columns());
    }

    public ProgressBar(PrintStream out, int columns) {
        this.out = out;
        this.columns = columns;
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
        out.print("\r\033[K" + line(label, done, total, columns));
        out.flush();
    }

    /**
     * The bar as drawn, at most {@code columns - 1} characters: a line that fills the last column wraps on many
     * terminals, and every redraw then leaves a stale copy behind.
     */
    static String line(String label, long done, long total, int columns) {
        long d = Math.max(0, Math.min(done, total));
        int pct = total <= 0 ? 100 : (int) (100 * d / total);
        String figures = String.format(java.util.Locale.ROOT, " %3d%% %s / %s", pct, ByteSize.format(d), ByteSize.format(total));
        int room = columns - 1;
        int bar = Math.max(MIN_BAR, Math.min(MAX_BAR, room - figures.length() - 3 - 20));
        int fill = total <= 0 ? bar : (int) (bar * d / total);
        String head = "[" + "#".repeat(fill) + " ".repeat(bar - fill) + "]" + figures;
        if (head.length() >= room) {
            return Terminal.fit(head, room);
        }
        return head + Terminal.fit(" " + label, room - head.length());
    }

    /** Progress through one file (recovery). */
    public void file(String verb, Path file, long done, long total) {
        show(verb + " " + file.getFileName(), done, total, false);
    }

    /** Overall progress through many files: bytes of all of them, and which one of how many is at work. */
    public void files(String verb, int index, int count, Path file, long doneOverall, long totalOverall) {
        show(verb + " " + index + "/" + count + " " + file.getFileName(), doneOverall, totalOverall, false);
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
