package io.flywheel.ingest;

import io.flywheel.bus.Broadcaster;
import io.flywheel.bus.EchoSubscriber;
import io.flywheel.bus.LiveOptions;
import io.flywheel.bus.LiveSink;
import io.flywheel.bus.Signal;
import io.flywheel.event.Event;
import io.flywheel.event.EventParser;
import io.flywheel.follow.Follower;
import io.flywheel.follow.JournalCursor;
import io.flywheel.journal.Journal;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One tap connection: an ordinary subscriber of the {@link Broadcaster} that writes each signal to its socket on the
 * delivering thread. When the client stops reading, the write blocks only that thread; the subscriber's byte-bounded
 * buffer drops the oldest and the client later gets {@code {"lagged":N}}. Output is flushed whenever nothing more is
 * waiting, so a quiet stream flows promptly without a timer.
 *
 * <p>With {@code from_seq} it first replays durable events from the journal's files, then goes live without a gap
 * or a repeat: it subscribes (buffering, no demand yet) before it reads the last seq given out, replays up to that
 * seq, and then drops the live durable events the replay already sent.
 */
final class TapSession implements LiveSink {
    private static final int WINDOW = 256;

    private final Connection connection;
    private final TapRequest request;
    private final Predicate<Event> filter;
    private final OutputStream out;
    private volatile Flow.Subscription subscription;
    private volatile boolean ended;
    private long replayedUpTo; // live durable events at or below this came from the replay
    private int received;

    TapSession(Connection connection, TapRequest request) {
        this.connection = connection;
        this.request = request;
        this.filter = request.filter();
        this.out = new BufferedOutputStream(Channels.newOutputStream(connection.channel()), 64 * 1024);
    }

    void start(Broadcaster broadcaster, Journal journal, String peer, long maxBytes) {
        String name = request.name() != null ? request.name() : peer;
        LiveOptions options = new LiveOptions(name, filter, maxBytes, request.committedOnly());
        if (request.fromSeq() < 0) {
            broadcaster.subscribe(options, this);
            return;
        }
        Thread.ofVirtual().name("flywheel-tap-replay-" + connection.id()).start(() -> replayThenLive(broadcaster, journal, options));
    }

    private void replayThenLive(Broadcaster broadcaster, Journal journal, LiveOptions options) {
        EventParser parser = new EventParser();
        JournalCursor.Visitor write = (seq, b, off, len) -> {
            Event e = Follower.toEvent(parser, seq, b, off, len);
            if (e != null && filter.test(e)) {
                write(new Signal.Delivered(e));
            }
        };
        try (JournalCursor cursor = new JournalCursor(journal.dir().root(), request.fromSeq())) {
            // most of the history first, while nothing is buffered for this tap
            cursor.poll(write, journal.lastSyncedSeq());
            broadcaster.subscribe(options, this); // no demand yet: live events wait in the bounded buffer
            long last = journal.lastAppendedSeq();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!ended && cursor.nextSeq() <= last) {
                if (journal.failure() != null || System.nanoTime() > deadline) {
                    break;
                }
                // what the committer has fsynced is in the files; the rest of this short stretch follows within a commit
                cursor.poll(write, Math.min(last, journal.lastSyncedSeq()));
                if (cursor.nextSeq() <= last) {
                    journal.awaitSynced(journal.syncedTicket() + 1, 20, TimeUnit.MILLISECONDS);
                }
            }
            replayedUpTo = cursor.nextSeq() - 1;
            flush();
        } catch (IOException | RuntimeException e) {
            end();
            return;
        } catch (InterruptedException e) {
            end();
            return;
        }
        Flow.Subscription s = subscription;
        if (s != null && !ended) {
            s.request(WINDOW);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (ended) {
            s.cancel();
        } else if (request.fromSeq() < 0) {
            s.request(WINDOW);
        }
    }

    @Override
    public void onNext(Signal signal) {
        if (ended) {
            return;
        }
        if (!(signal instanceof Signal.Delivered d && d.event().durable() && d.event().seq() <= replayedUpTo)) {
            write(signal);
        }
        if (++received == WINDOW / 2) {
            received = 0;
            subscription.request(WINDOW / 2);
        }
    }

    private void write(Signal signal) {
        try {
            if (request.envelope() && signal instanceof Signal.Delivered d) {
                writeEnvelope(d.event());
            } else {
                EchoSubscriber.writeLine(out, signal);
            }
        } catch (IOException e) {
            end();
        }
    }

    /** {@code {"seq":N,"class":"durable","src":"socket:3","event":<original>}}; an ephemeral event has no seq. */
    private void writeEnvelope(Event e) throws IOException {
        StringBuilder sb = new StringBuilder(64).append('{');
        if (e.durable()) {
            sb.append("\"seq\":").append(e.seq()).append(',');
        }
        sb.append("\"class\":\"").append(e.durable() ? "durable" : "ephemeral").append("\",\"src\":")
                .append(new String(Journal.sourceJson(e.source()), StandardCharsets.UTF_8)).append(",\"event\":");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        out.write(e.raw());
        out.write('}');
        out.write('\n');
    }

    @Override
    public void idle() {
        flush();
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            end();
        }
    }

    @Override
    public void onError(Throwable t) {
        end();
    }

    @Override
    public void onComplete() {
        flush();
        end();
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
