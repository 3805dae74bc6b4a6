package io.flywheel.runtime;

import io.flywheel.ingest.Ingest;
import io.flywheel.ingest.LineIngest;
import io.flywheel.journal.Journal;
import io.flywheel.journal.JournalClosedException;
import io.flywheel.journal.JournalFailedException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The in-process input of an embedding application: each {@link #append} goes through the same validation,
 * classification, journal and broadcast as a line from stdin or the socket (source {@code "api"}), and its future
 * completes once the journal has fsynced it - on this input's own thread, never on the journal's committer, so that a
 * slow callback cannot hold up group commits.
 */
final class EmbeddedInput implements AutoCloseable {
    private record Waiting(long ticket, long seq, CompletableFuture<Appended> future) {
    }

    private final LineIngest input;
    private final Journal journal;
    private final int maxLineBytes;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>(); // guarded by this; tickets never decrease
    private Thread acker;                                          // guarded by this; started with the first durable append
    private boolean closed;                                        // guarded by this
    private long lineNo;                                           // guarded by this

    EmbeddedInput(Ingest ingest) {
        this.input = ingest.open("api");
        this.input.keepSeq();
        this.journal = ingest.journal();
        this.maxLineBytes = ingest.maxLineBytes();
    }

    /**
     * Hands one event (one JSON object, no line break) to the journal and the broadcast. Blocks only while the
     * journal's pending batch is full (backpressure), as any producer does.
     */
    CompletableFuture<Appended> append(byte[] event) {
        CompletableFuture<Appended> f = new CompletableFuture<>();
        int len = event.length;
        while (len > 0 && (event[len - 1] == '\n' || event[len - 1] == '\r')) {
            len--; // a trailing line end is the framing a caller may have kept; the event is the same
        }
        try {
            synchronized (this) {
                if (closed) {
                    throw new JournalClosedException();
                }
                long no = ++lineNo;
                if (indexOfLineFeed(event, len) >= 0) {
                    input.notOneLine(event, len, no);
                } else if (len > maxLineBytes) {
                    input.oversize(event, Math.min(len, 1024), len, no, 0);
                } else {
                    input.line(event, 0, len, no, 0);
                }
                String reason = input.rejectReason();
                if (reason != null) {
                    f.completeExceptionally(new RejectedEventException(reason));
                } else if (input.lastSeq() == 0) {
                    f.complete(new Appended(0, false));
                } else {
                    waiting.add(new Waiting(input.ticket(), input.lastSeq(), f));
                    if (acker == null) {
                        acker = Thread.ofPlatform().daemon().name("flywheel-api-acks").start(this::ackLoop);
                    }
                    notifyAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(e);
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    private static int indexOfLineFeed(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Completes futures in ticket order as group commits land; fails them all if the journal gives up. */
    private void ackLoop() {
        try {
            while (true) {
                long ticket;
                synchronized (this) {
                    while (waiting.isEmpty() && !closed) {
                        wait();
                    }
                    if (waiting.isEmpty()) {
                        return;
                    }
                    ticket = waiting.peekFirst().ticket();
                }
                if (!journal.awaitSynced(ticket, 100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                long synced = journal.syncedTicket();
                while (true) {
                    Waiting w;
                    synchronized (this) {
                        w = waiting.peekFirst();
                        if (w == null || w.ticket() > synced) {
                            break;
                        }
                        waiting.pollFirst();
                    }
                    w.future().complete(new Appended(w.seq(), true));
                }
            }
        } catch (JournalFailedException | JournalClosedException e) {
            failAll(e);
        } catch (InterruptedException e) {
            failAll(e);
        }
    }

    private void failAll(Exception e) {
        while (true) {
            Waiting w;
            synchronized (this) {
                w = waiting.pollFirst();
            }
            if (w == null) {
                return;
            }
            w.future().completeExceptionally(e);
        }
    }

    /** No more appends; a summary of repeated rejects still waiting goes to the journal. */
    void stopAccepting() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        try {
            input.finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the journal is closed or failed: nothing left to sum up
        }
    }

    /**
     * After the journal closed (and synced everything it could): completes or fails what still waits, and ends the
     * acknowledging thread.
     */
    @Override
    public void close() {
        stopAccepting();
        Thread t;
        synchronized (this) {
            t = acker;
        }
        if (t == null) {
            return;
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            t.interrupt();
        }
    }
}
