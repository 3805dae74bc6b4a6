package io.flywheel.ingest;

import io.flywheel.journal.Journal;
import io.flywheel.journal.JournalClosedException;
import io.flywheel.journal.JournalFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jboss.logging.Logger;

/**
 * One client connection, with two virtual threads: the reader frames and ingests lines (blocking in
 * {@link Journal#append} is the backpressure a producer feels), the writer sends the acks. They share a tiny state:
 * the lines read so far with the journal ticket each prefix waits for (one entry per distinct ticket, so a few at
 * most), and the reject notices not yet written.
 *
 * <p>The journal committer only calls {@link #synced}, which reads a volatile and unparks the writer: it never
 * waits for a client. A client that does not read its acks blocks only its own writer; the reader then stops reading
 * after {@code maxUnacked} lines, so the client's own writes block - memory per connection stays bounded.
 */
final class Connection {
    private static final Logger LOG = Logger.getLogger(Connection.class);
    /** Reject notices waiting for the wire; a client sending garbage without reading is paused beyond this. */
    private static final int MAX_QUEUED_REJECTS = 256;

    private record Reject(long line, String reason) {
    }

    private final long id;
    private final SocketChannel channel;
    private final Ingest ingest;
    private final SocketServer server;
    private final int maxUnacked;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Thread reader;
    private volatile Thread writer;
    private volatile MemoryBudget.Account memory;

    // shared between reader and writer, guarded by this
    private final ArrayDeque<long[]> marks = new ArrayDeque<>(); // {line, ticket, nanos}: lines up to line need ticket; nanos = when the oldest was read
    private final ArrayDeque<Reject> rejects = new ArrayDeque<>();
    private boolean inputDone;

    private volatile long waitTicket;  // the ticket the oldest unacked mark waits for, 0 when none
    private volatile long ackWritten;  // lines acked on the wire
    private volatile boolean stopping; // server stop: ingest no more lines
    private volatile boolean tapping;

    // reader thread only
    private long readLine;
    private long maxTicket;
    private long registeredLine;

    Connection(long id, SocketChannel channel, Ingest ingest, SocketServer server, int maxUnacked) {
        this.id = id;
        this.channel = channel;
        this.ingest = ingest;
        this.server = server;
        this.maxUnacked = maxUnacked;
    }

    void start() {
        reader = Thread.ofVirtual().name("flywheel-conn-" + id).start(this::readLoop);
    }

    /** Journal committer thread: must stay quick and never block. */
    void synced(long syncedTicket, boolean failed) {
        long w = waitTicket;
        if ((w != 0 && w <= syncedTicket) || failed) {
            Thread t = writer;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /** Server stop: read no more lines; what was ingested still gets its ack. */
    void stopReading() {
        stopping = true;
        cancelMemoryWait();
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            // already gone
        }
    }

    boolean awaitDone(long nanos) throws InterruptedException {
        return done.await(nanos, TimeUnit.NANOSECONDS);
    }

    void forceClose() {
        closeQuietly();
    }

    private void readLoop() {
        // the ack writer starts with the first line that needs one, so an idle connection costs one thread
        Sink sink = new Sink(ingest.open("socket:" + id));
        // not closed here: closing the stream would close the channel before the last acks are written
        InputStream in = Channels.newInputStream(channel);
        memory = sink.lines.memory();
        try {
            new LineFramer(ingest.maxLineBytes(), memory).pump(in, sink);
            sink.finish();
        } catch (MemoryBudget.Cancelled e) {
            // closed or stopping while it waited for memory: what it sent before gets its ack
        } catch (JournalFailedException e) {
            // the writer tells the client
        } catch (JournalClosedException e) {
            // journal closed while stopping
        } catch (IOException e) {
            LOG.debugf("connection %d: read failed: %s", id, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            abandon("reading", e);
            return;
        } finally {
            memory.close();
        }
        if (tapping) {
            server.endTap(this);
            return;
        }
        publishMarks();
        synchronized (this) {
            inputDone = true;
        }
        ensureWriter();
        LockSupport.unpark(writer);
    }

    /** Adapts the framer to ingest, recording what each line waits for. */
    private final class Sink implements LineFramer.Sink {
        private final LineIngest lines;

        Sink(LineIngest lines) {
            this.lines = lines;
            lines.onReject((lineNo, reason) -> {
                synchronized (Connection.this) {
                    rejects.add(new Reject(lineNo, reason));
                }
            });
        }

        @Override
        public void lines(byte[] buf, int first, int[] ends, int count, long firstLineNo, long firstOffset)
                throws IOException, InterruptedException {
            if (tapping || stopping || firstLineNo == 1) {
                // line 1 may be a tap request: the first block goes line by line
                LineFramer.Sink.super.lines(buf, first, ends, count, firstLineNo, firstOffset);
                return;
            }
            lines.lines(buf, first, ends, count, firstLineNo, firstOffset);
            after(firstLineNo + count - 1);
        }

        @Override
        public void line(byte[] buf, int off, int len, long lineNo, long offset) throws IOException, InterruptedException {
            if (tapping || stopping) {
                return; // a tap's further input is ignored; at stop, unread lines stay unacked (the client resends)
            }
            if (lineNo == 1) {
                String status = StatusRequest.parse(buf, off, len);
                if (status != null) {
                    writeAndClose(server.statusText("json".equals(status)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    return;
                }
                TapRequest tap;
                try {
                    tap = TapRequest.parse(buf, off, len);
                } catch (TapRequest.BadRequest e) {
                    writeAndClose(Frames.error("bad tap request: " + e.getMessage()));
                    return;
                }
                if (tap != null) {
                    tapping = true;
                    server.startTap(Connection.this, tap);
                    return;
                }
            }
            lines.line(buf, off, len, lineNo, offset);
            after(lineNo);
        }

        @Override
        public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) throws InterruptedException {
            if (tapping || stopping) {
                return;
            }
            lines.oversize(head, headLen, totalLen, lineNo, offset);
            after(lineNo);
        }

        private void after(long lineNo) throws InterruptedException {
            long t = lines.ticket();
            if (t > maxTicket) {
                if (readLine > registeredLine) {
                    addMark(readLine, maxTicket);
                }
                maxTicket = t;
            }
            readLine = lineNo;
            if (readLine - ackWritten > maxUnacked || queuedRejects() > MAX_QUEUED_REJECTS) {
                awaitWriter();
            }
        }

        /**
         * End of input: a summary of repeated rejects still pending goes to the journal. The final ack waits for it
         * when it covers lines not yet registered; otherwise the summary follows shortly after the ack (it records
         * rejected lines, not events, so no acked data depends on it).
         */
        void finish() throws InterruptedException {
            if (tapping) {
                return;
            }
            lines.finish();
            // the lines not yet registered wait for the summary's ticket (a later one covers the earlier)
            maxTicket = Math.max(maxTicket, lines.ticket());
        }

        @Override
        public void endOfRead() {
            if (!tapping && readLine > registeredLine) {
                publishMarks();
                LockSupport.unpark(writer);
            }
        }
    }

    private void publishMarks() {
        if (readLine > registeredLine) {
            addMark(readLine, maxTicket);
        }
    }

    private void addMark(long line, long ticket) {
        ensureWriter();
        synchronized (this) {
            long[] last = marks.peekLast();
            if (last != null && last[1] == ticket) {
                last[0] = line;
            } else {
                marks.add(new long[] {line, ticket, System.nanoTime()});
            }
            waitTicket = marks.peekFirst()[1] == 0 ? 1 : marks.peekFirst()[1];
        }
        registeredLine = line;
    }

    private synchronized int queuedRejects() {
        return rejects.size();
    }

    /** The client is not reading its acks (or the journal is slow): stop reading until the writer catches up. */
    private void awaitWriter() {
        while (!stopping && channel.isOpen() && (readLine - ackWritten > maxUnacked || queuedRejects() > MAX_QUEUED_REJECTS)) {
            publishMarks();
            LockSupport.unpark(writer);
            LockSupport.parkNanos(this, 50_000_000L);
        }
    }

    private void ensureWriter() {
        if (writer == null) {
            writer = Thread.ofVirtual().name("flywheel-acks-" + id).start(this::writeLoop);
        }
    }

    private void writeLoop() {
        Journal journal = ingest.journal();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        List<Reject> toSend = new ArrayList<>();
        try {
            while (true) {
                long synced = journal.syncedTicket();
                long ack = -1;
                long oldestRead = 0;
                boolean finished;
                synchronized (this) {
                    while (!marks.isEmpty() && marks.peekFirst()[1] <= synced) {
                        long[] m = marks.pollFirst();
                        ack = m[0];
                        if (oldestRead == 0) {
                            oldestRead = m[2];
                        }
                    }
                    toSend.addAll(rejects);
                    rejects.clear();
                    waitTicket = marks.isEmpty() ? 0 : marks.peekFirst()[1];
                    finished = inputDone && marks.isEmpty();
                }
                // reject notices first: each comes before the ack that covers its line
                for (Reject r : toSend) {
                    Frames.rejected(out, r.line(), r.reason());
                }
                toSend.clear();
                if (ack > ackWritten) {
                    Frames.ack(out, ack);
                }
                if (out.size() > 0) {
                    write(out.toByteArray());
                    out.reset();
                    if (ack > ackWritten) {
                        ackWritten = ack;
                        ingest.stats().ackLatency.recordNanos(System.nanoTime() - oldestRead);
                    }
                    LockSupport.unpark(reader);
                    continue;
                }
                if (finished || !channel.isOpen()) {
                    break; // done, or closed (abandoned by the reader): nothing more can be written
                }
                JournalFailedException failure = journal.failure();
                if (failure != null) {
                    write(Frames.error(failure.getMessage()));
                    break;
                }
                LockSupport.parkNanos(this, 100_000_000L);
            }
        } catch (IOException e) {
            LOG.debugf("connection %d: write failed: %s", id, e.getMessage());
            Thread r = reader;
            stopping = true;
            closeQuietly();
            if (r != null) {
                LockSupport.unpark(r);
            }
        } catch (RuntimeException | Error e) {
            abandon("writing acks", e);
        }
        closeQuietly();
    }

    /**
     * Something unexpected (a bug, an OutOfMemoryError) ended one of this connection's threads. Without a close the
     * client would wait forever for acks and the server would wait for this connection at stop; the other
     * connections go on. The client sees the connection close without an ack for its last lines, so it resends them.
     */
    private void abandon(String doing, Throwable e) {
        LOG.errorf(e, "connection %d: %s failed, closing the connection: %s", id, doing, e);
        stopping = true;
        if (tapping) {
            server.endTap(this);
        }
        closeQuietly();
        Thread other = Thread.currentThread() == reader ? writer : reader;
        if (other != null) {
            LockSupport.unpark(other);
        }
    }

    /** Writes bytes, blocking this connection's thread only. */
    void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    void writeAndClose(byte[] bytes) {
        try {
            write(bytes);
        } catch (IOException ignored) {
            // the client is gone anyway
        }
        stopping = true;
        closeQuietly();
    }

    SocketChannel channel() {
        return channel;
    }

    long id() {
        return id;
    }

    private void cancelMemoryWait() {
        MemoryBudget.Account m = memory;
        if (m != null) {
            m.cancel();
        }
    }

    void closeQuietly() {
        cancelMemoryWait();
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        if (done.getCount() > 0) {
            done.countDown();
            server.closed(this);
        }
    }
}
