package io.flywheel.ingest;

import io.flywheel.bus.Broadcaster;
import io.flywheel.bus.LiveOptions;
import io.flywheel.bus.LiveSink;
import io.flywheel.bus.Signal;
import io.flywheel.event.Event;
import io.flywheel.event.EventParser;
import io.flywheel.follow.Follower;
import io.flywheel.follow.JournalCursor;
import io.flywheel.journal.Journal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One tap connection: an ordinary subscriber of the {@link Broadcaster} that writes each run of events to its socket
 * on the delivering thread. It asks for everything at once: the blocking socket write is its back-pressure. When the
 * client stops reading, the write blocks only that thread; the subscriber's byte-bounded buffer drops the oldest and
 * the client later gets {@code {"lagged":N}}. Output is flushed when nothing more is waiting (at most every couple of
 * milliseconds under load), so a quiet stream flows promptly with no timer of its own.
 *
 * <p>With {@code from_seq} it first replays durable events from the journal's files, then goes live without a gap
 * or a repeat: it subscribes (buffering, no demand yet) before it reads the last seq given out, replays up to that
 * seq, and then drops the live durable events the replay already sent.
 */
final class TapSession implements LiveSink {
    private static final byte[] ENVELOPE_END = {'}'};
    private final Connection connection;
    private final TapRequest request;
    private final Predicate<Event> filter;
    private final TapOutput out;
    private volatile Flow.Subscription subscription;
    private volatile boolean ended;
    private long replayedUpTo; // live durable events at or below this came from the replay
    // the output is one thread's at a time: the replay's until it asks for live events, then the deliveries'
    private volatile boolean replaying;

    TapSession(Connection connection, TapRequest request) {
        this.connection = connection;
        this.request = request;
        this.filter = request.filter();
        this.out = new TapOutput(connection.channel());
    }

    /**
     * Subscribes and confirms with {@code {"subscribed":true}}, in that order: an event published once the client
     * has read the line reaches this tap (or is counted in a lag notice). A replaying tap is confirmed at once: its
     * replay covers every durable event from its seq on, and it subscribes once most of the history is sent.
     */
    void start(Broadcaster broadcaster, Journal journal, String peer, long maxBytes) throws IOException {
        String name = request.name() != null ? request.name() : peer;
        LiveOptions options = new LiveOptions(name, filter, maxBytes, request.committedOnly());
        if (request.fromSeq() < 0) {
            broadcaster.subscribe(options, this); // no demand yet: what is published meanwhile waits in its buffer
            out.write(Frames.SUBSCRIBED);
            out.flush();
            Flow.Subscription s = subscription;
            if (s != null && !ended) {
                s.request(Long.MAX_VALUE);
            }
            return;
        }
        out.write(Frames.SUBSCRIBED);
        out.flush();
        replaying = true;
        Thread.ofVirtual().name("flywheel-tap-replay-" + connection.id()).start(() -> replayThenLive(broadcaster, journal, options));
    }

    private void replayThenLive(Broadcaster broadcaster, Journal journal, LiveOptions options) {
        EventParser parser = new EventParser();
        JournalCursor.Visitor write = (seq, b, off, len) -> {
            Event e = Follower.toEvent(parser, seq, b, off, len);
            if (e != null && filter.test(e)) {
                write(e);
            }
        };
        // seqs no longer in the files (shipped and removed) are events this tap missed, whatever their type
        JournalCursor.Missing gone = (from, to) -> out.lagged(to - from + 1);
        try (JournalCursor cursor = new JournalCursor(journal.dir().root(), request.fromSeq(), gone)) {
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
            if (!ended && replayedUpTo < last) {
                // not in the files in time (a disk being retried, a failed journal), and published before this tap
                // subscribed: it will never get them, so it is told how many, as a lagging tap is
                out.lagged(last - replayedUpTo);
                replayedUpTo = last;
            }
            flush();
        } catch (IOException | RuntimeException e) {
            end();
            return;
        } catch (InterruptedException e) {
            end();
            return;
        }
        replaying = false;
        Flow.Subscription s = subscription;
        if (s != null && !ended) {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (ended) {
            s.cancel();
        }
    }

    @Override
    public void onEvents(Event[] events, int from, int to) {
        for (int i = from; i < to && !ended; i++) {
            deliver(events[i]);
        }
    }

    /** Writes a live event, unless the replay already sent it. */
    private void deliver(Event e) {
        if (!(e.durable() && e.seq() <= replayedUpTo)) {
            write(e);
        }
    }

    @Override
    public void onNext(Signal signal) {
        if (ended) {
            return;
        }
        try {
            switch (signal) {
                case Signal.Lagged l -> out.lagged(l.missed());
                case Signal.Delivered d -> deliver(d.event());
            }
        } catch (IOException e) {
            end();
        }
    }

    private void write(Event e) {
        try {
            if (request.envelope()) {
                writeEnvelope(e);
            } else {
                out.line(e.raw());
            }
        } catch (IOException x) {
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
        out.line(ENVELOPE_END);
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
        if (!replaying) { // a stop during the replay: the replay thread still writes, so this one must not
            flush();
        }
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
