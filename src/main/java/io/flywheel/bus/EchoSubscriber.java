package io.flywheel.bus;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Writes live signals as NDJSON: each event's original line, and {@code {"lagged":N}} when the writer fell behind.
 * Lines are grouped (up to 512 or 20 ms) so that a fast stream costs one write per group, not per event.
 */
public final class EchoSubscriber implements AutoCloseable {
    private final OutputStream out;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Cancellable cancellable;
    private volatile IOException error;

    public EchoSubscriber(Multi<Signal> signals, OutputStream out) {
        this.out = out;
        this.cancellable = signals
                .group().intoLists().of(512, Duration.ofMillis(20))
                .subscribe().with(this::write, f -> done.countDown(), done::countDown);
    }

    private void write(List<Signal> batch) {
        if (error != null) {
            return;
        }
        try {
            for (Signal s : batch) {
                writeLine(out, s);
            }
            out.flush();
        } catch (IOException e) {
            error = e; // the reader went away (EPIPE): stop writing, never disturb ingest
            if (cancellable != null) {
                cancellable.cancel();
            }
            done.countDown();
        }
    }

    public static void writeLine(OutputStream out, Signal s) throws IOException {
        switch (s) {
            case Signal.Delivered d -> out.write(d.event().raw());
            case Signal.Lagged l -> out.write(("{\"lagged\":" + l.missed() + "}").getBytes(StandardCharsets.US_ASCII));
        }
        out.write('\n');
    }

    /** Waits (bounded) until what was delivered before the broadcaster closed is written. */
    @Override
    public void close() throws InterruptedException {
        done.await(5, TimeUnit.SECONDS);
        try {
            out.flush();
        } catch (IOException ignored) {
            // nothing left to tell
        }
    }
}
