package io.flywheel.bus;

import io.flywheel.event.Event;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Writes live signals as NDJSON: each event's original line, and {@code {"lagged":N}} when the writer fell behind.
 *
 * <p>An ordinary subscriber: it asks for everything and writes runs of events on the delivering thread - the blocking
 * write is its back-pressure: a reader that stops reading blocks only that thread while the broadcaster's
 * byte-bounded buffer drops the oldest (memory stays bounded, the reader later gets a lag notice). Output is flushed
 * when nothing more is waiting.
 */
public final class EchoSubscriber implements LiveSink, AutoCloseable {
    private final OutputStream out;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Flow.Subscription subscription;
    private volatile long written; // signals written so far: progress, for close()
    private volatile boolean failed;

    public EchoSubscriber(OutputStream out) {
        this.out = out;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onEvents(Event[] events, int from, int to) {
        if (failed) {
            return;
        }
        try {
            for (int i = from; i < to; i++) {
                out.write(events[i].raw());
                out.write('\n');
            }
            written += to - from;
        } catch (IOException e) {
            stop(); // the reader went away (EPIPE): stop writing, never disturb ingest
        }
    }

    @Override
    public void onNext(Signal signal) {
        if (failed) {
            return;
        }
        try {
            writeLine(out, signal);
            written++;
        } catch (IOException e) {
            stop();
        }
    }

    @Override
    public void idle() {
        try {
            out.flush();
        } catch (IOException e) {
            stop();
        }
    }

    @Override
    public void onError(Throwable t) {
        done.countDown();
    }

    @Override
    public void onComplete() {
        idle();
        done.countDown();
    }

    private void stop() {
        failed = true;
        subscription.cancel();
        done.countDown();
    }

    private static void writeLine(OutputStream out, Signal s) throws IOException {
        switch (s) {
            case Signal.Delivered d -> out.write(d.event().raw());
            case Signal.Lagged l -> out.write(("{\"lagged\":" + l.missed() + "}").getBytes(StandardCharsets.US_ASCII));
        }
        out.write('\n');
    }

    /**
     * Waits until what the broadcaster held is written, as long as the reader makes progress: it gives up once
     * nothing was written for {@code graceMillis}, and after five times that in any case. A reader that does not read loses the rest: the writing thread may
     * stay blocked in {@code write}, but it is a daemon and nothing here waits for it - a stalled stdout must never
     * hold up shutdown by more than the grace.
     */
    public boolean close(long graceMillis) throws InterruptedException {
        long seen = written;
        long quietSince = System.nanoTime();
        long giveUp = quietSince + TimeUnit.MILLISECONDS.toNanos(graceMillis) * 5; // even a reader that trickles
        while (!done.await(50, TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            if (written != seen) {
                seen = written;
                quietSince = now;
            }
            if (now - quietSince > TimeUnit.MILLISECONDS.toNanos(graceMillis) || now > giveUp) {
                failed = true;
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        close(2000);
    }
}
