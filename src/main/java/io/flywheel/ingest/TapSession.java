package io.flywheel.ingest;

import io.flywheel.bus.EchoSubscriber;
import io.flywheel.bus.Signal;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.util.concurrent.Flow;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes one tap connection's live signals to its socket. It takes everything its {@link io.flywheel.bus.Broadcaster}
 * ring hands over and writes it through a buffer; when the client stops reading, the socket write blocks - only this
 * subscriber's own threads wait, its ring overflows and the client later gets a {@code {"lagged":N}} line.
 * A small flusher pushes out a partly filled buffer every few milliseconds, so a quiet stream still flows promptly.
 */
final class TapSession implements Flow.Subscriber<Signal> {
    private static final long FLUSH_NANOS = 10_000_000L;

    private final Connection connection;
    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Flow.Subscription subscription;
    private volatile boolean ended;
    private boolean dirty; // guarded by lock

    TapSession(Connection connection) {
        this.connection = connection;
        this.out = new BufferedOutputStream(Channels.newOutputStream(connection.channel()), 64 * 1024);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        Thread.ofVirtual().name("flywheel-tap-flush-" + connection.id()).start(this::flushLoop);
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Signal signal) {
        if (ended) {
            return;
        }
        lock.lock();
        try {
            EchoSubscriber.writeLine(out, signal);
            dirty = true;
        } catch (IOException e) {
            end();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onError(Throwable t) {
        end();
    }

    @Override
    public void onComplete() {
        lock.lock();
        try {
            out.flush();
        } catch (IOException ignored) {
            // the client is gone
        } finally {
            lock.unlock();
        }
        end();
    }

    private void flushLoop() {
        while (!ended) {
            java.util.concurrent.locks.LockSupport.parkNanos(FLUSH_NANOS);
            lock.lock();
            try {
                if (dirty) {
                    out.flush();
                    dirty = false;
                }
            } catch (IOException e) {
                end();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Ends the subscription and the connection; idempotent. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        connection.closeQuietly();
    }
}
