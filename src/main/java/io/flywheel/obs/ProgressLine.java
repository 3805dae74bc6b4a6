package io.flywheel.obs;

import java.io.PrintStream;
import java.util.function.Supplier;

/** Redraws one status line on stderr every half second (carriage return, no scrolling) until closed. */
public final class ProgressLine implements AutoCloseable {
    private final PrintStream out;
    private final Supplier<String> text;
    private final Thread thread;
    private volatile boolean running = true;
    private int lastWidth;
    private final boolean tty = Terminal.stderrIsTerminal();
    private final int columns = tty ? Terminal.columns() : Integer.MAX_VALUE;

    public ProgressLine(PrintStream out, Supplier<String> text) {
        this.out = out;
        this.text = text;
        this.thread = Thread.ofPlatform().daemon().name("flywheel-progress").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            draw();
        }
    }

    private synchronized void draw() {
        String s = tty ? Terminal.fit(text.get(), columns - 1) : text.get();
        StringBuilder sb = new StringBuilder("\r").append(s);
        for (int i = s.length(); i < lastWidth; i++) {
            sb.append(' ');
        }
        lastWidth = s.length();
        out.print(sb);
        out.flush();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // erased, not left behind: the final summary line says the same, and an echoed ^C would sit inside it
        if (!tty) {
            draw(); // piped (--progress on purpose): the last figures stay readable in the log
            out.println();
            return;
        }
        synchronized (this) {
            out.print("\r\033[K");
            out.flush();
        }
    }
}
