package io.flywheel.runtime;

import io.flywheel.event.Event;
import io.flywheel.event.EventParser;
import io.flywheel.follow.Follower;
import io.flywheel.follow.JournalCursor;
import io.flywheel.journal.Journal;
import io.flywheel.journal.JournalFailedException;
import java.io.IOException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * Kept events from a seq on, read from the journal's files: what is there first (replay), then each group commit as
 * it lands (live), one code path for both, so there is no hand-over where an event could be skipped or repeated.
 * Lossless and demand-driven: the reader reads only as many events as were requested, so a slow subscriber costs a
 * parked virtual thread and an open file, never memory, and never slows the journal. When the journal fails, the
 * subscriber gets every event that was kept, then the failure.
 */
final class CommittedStream implements Flow.Publisher<Event> {
    private static final Logger LOG = Logger.getLogger(CommittedStream.class);
    private static final int READ_AHEAD = 4096; // events read per file pass at most, whatever the demand

    private final Journal journal;
    private final long fromSeq;
    private final BooleanSupplier journalClosed;

    CommittedStream(Journal journal, long fromSeq, BooleanSupplier journalClosed) {
        this.journal = journal;
        this.fromSeq = fromSeq;
        this.journalClosed = journalClosed;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Event> subscriber) {
        Reader r = new Reader(subscriber);
        subscriber.onSubscribe(r);
        // known before it runs: a request() racing its first park must find a thread to unpark
        r.thread = Thread.ofVirtual().name("flywheel-committed-" + fromSeq).unstarted(r::run);
        r.thread.start();
    }

    private final class Reader implements Flow.Subscription {
        private final Flow.Subscriber<? super Event> downstream;
        private final AtomicLong demand = new AtomicLong();
        private volatile boolean cancelled;
        private volatile Thread thread;
        private volatile Throwable badRequest;

        Reader(Flow.Subscriber<? super Event> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                badRequest = new IllegalArgumentException("request must be positive (Reactive Streams rule 3.9): " + n);
            } else {
                demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            }
            wake();
        }

        @Override
        public void cancel() {
            cancelled = true;
            wake();
        }

        private void wake() {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }

        void run() {
            EventParser parser = new EventParser();
            // an embedder sees the jump in the seqs it gets; the log says why
            JournalCursor.Missing gone = (from, to) -> LOG.warnf("committed stream from seq %d: seqs %d-%d are no longer "
                    + "in %s (shipped and removed)", fromSeq, from, to, journal.dir().root());
            try (JournalCursor cursor = new JournalCursor(journal.dir().root(), fromSeq, gone)) {
                JournalCursor.Visitor emit = (seq, b, off, len) -> {
                    Event e = Follower.toEvent(parser, seq, b, off, len);
                    if (e != null && !cancelled) {
                        demand.decrementAndGet();
                        downstream.onNext(e);
                    }
                };
                while (!cancelled) {
                    if (badRequest != null) {
                        downstream.onError(badRequest);
                        return;
                    }
                    long want = demand.get();
                    if (want <= 0) {
                        LockSupport.park(this);
                        continue;
                    }
                    boolean closed = journalClosed.getAsBoolean(); // read before the bound: nothing is added after close
                    long synced = journal.lastSyncedSeq();
                    long upTo = Math.min(synced, cursor.nextSeq() - 1 + Math.min(want, READ_AHEAD));
                    long read = upTo >= cursor.nextSeq() ? cursor.poll(emit, upTo) : 0;
                    if (read > 0) {
                        continue;
                    }
                    if (cursor.nextSeq() > synced && journal.failure() != null) {
                        // everything kept was delivered; what follows can never be kept by this journal
                        downstream.onError(journal.failure());
                        return;
                    }
                    if (closed && cursor.nextSeq() > synced) {
                        downstream.onComplete();
                        return;
                    }
                    if (cursor.nextSeq() > synced) {
                        journal.awaitSynced(journal.syncedTicket() + 1, 200, TimeUnit.MILLISECONDS);
                    } else {
                        // synced but not readable yet (a roll in progress): look again shortly
                        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(5));
                    }
                }
            } catch (JournalFailedException | IOException e) {
                if (!cancelled) {
                    downstream.onError(e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (!cancelled) {
                    downstream.onError(e);
                }
            } catch (RuntimeException e) {
                if (!cancelled) {
                    downstream.onError(e);
                }
            }
        }
    }
}
