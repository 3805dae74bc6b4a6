package io.flywheel.obs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a standard stream is a terminal (Linux: where {@code /proc/self/fd/N} points), without a console library. */
public final class Terminal {
    private Terminal() {
    }

    public static boolean isTerminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public static boolean stderrIsTerminal() {
        return isTerminal(2);
    }

    /**
     * The terminal's width in columns: COLUMNS when exported, else what {@code stty} says about the controlling
     * terminal, else 80. Read once per call: callers that redraw often keep the value (a resize shows on the next bar).
     */
    public static int columns() {
        String env = System.getenv("COLUMNS");
        if (env != null && env.trim().matches("[0-9]{1,4}") && Integer.parseInt(env.trim()) >= 20) {
            return Integer.parseInt(env.trim());
        }
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim();
            if (p.waitFor() == 0 && out.matches("[0-9]+ [0-9]+")) {
                int cols = Integer.parseInt(out.substring(out.indexOf(' ') + 1));
                if (cols >= 20) {
                    return cols;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no controlling terminal or no stty: the default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }

    /** Cuts {@code s} to {@code width} characters, eliding the middle (file names differ at their ends). */
    public static String fit(String s, int width) {
        if (s.length() <= width) {
            return s;
        }
        if (width <= 3) {
            return s.substring(0, Math.max(0, width));
        }
        int head = (width - 1) / 2;
        int tail = width - 1 - head;
        return s.substring(0, head) + "~" + s.substring(s.length() - tail);
    }
}
