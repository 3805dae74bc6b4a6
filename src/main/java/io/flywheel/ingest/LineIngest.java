package io.flywheel.ingest;

import io.flywheel.event.Event;
import io.flywheel.event.EventParser;
import io.flywheel.journal.Journal;
import java.io.IOException;
import java.util.Arrays;

/**
 * Handles the lines of one input: validate and classify, append durable events to the journal, broadcast every
 * accepted event, keep rejected lines in {@code rejected/}. After each line, {@link #ticket()} is the journal
 * ticket that makes every line so far safe (tickets only grow; 0 while nothing needed a sync) and
 * {@link #rejectReason()} is why the last line was rejected, or null.
 */
public final class LineIngest implements LineFramer.Sink {
    private final Ingest ingest;
    private final String source;
    private final byte[] sourceJson;
    private final EventParser parser = new EventParser();
    private String[] types = new String[0];
    private final String[] memoTypes = new String[32];
    private final boolean[] memoDurable = new boolean[32];
    private String[] errors = new String[0];
    private long ticket;
    // the accepted events of the current block, published once the journal lock is released
    private Event[] live = new Event[0];
    private int liveCount;
    private String rejectReason;
    private boolean keepSeq;
    private long lastSeq;
    private final MemoryBudget.Account memory;
    // the current run of rejects with one reason; beyond FULL_PER_RUN they are summed up in one record
    private String runReason;
    private long runLength;
    private long quietCount;
    private long quietFirstLine;
    private long quietFirstOffset;
    private long quietLastLine;
    private long quietBytes;
    private long fullRecordBytes;

    /** Records in full for a run of rejects with the same reason; the rest of the run becomes one summary. */
    static final int FULL_PER_RUN = 3;
    /** A run is summed up at least this often, so that a client repeating one mistake forever still leaves a trace. */
    static final long MAX_QUIET = 1_000_000;
    /** Originals kept in full per input; beyond, only their first {@link #CUT_ORIGINAL} bytes. */
    static final long FULL_RECORD_BYTES = 8L << 20;
    static final int CUT_ORIGINAL = 1024;
    private RejectListener rejectListener = (lineNo, reason) -> { };

    /** Told about every rejected line, also inside a block (the socket answers each with a notice). */
    @FunctionalInterface
    public interface RejectListener {
        void rejected(long lineNo, String reason) throws InterruptedException;
    }

    public void onReject(RejectListener listener) {
        this.rejectListener = listener;
    }

    LineIngest(Ingest ingest, String source) {
        this.ingest = ingest;
        this.source = source;
        this.sourceJson = Journal.sourceJson(source);
        this.memory = ingest.memory().account();
    }

    /** This input's share of the ingest memory budget: its framer draws from it too. Closed when the input ends. */
    public MemoryBudget.Account memory() {
        return memory;
    }

    private static final int REJECTED = 0;
    private static final int DURABLE = 1;
    private static final int EPHEMERAL = 2;

    @Override
    public void line(byte[] buf, int off, int len, long lineNo, long offset) throws InterruptedException {
        String type = parser.parse(buf, off, len);
        prepareLive(1);
        int kind;
        if (type == null) {
            kind = handle(null, parser.error(), buf, off, len, lineNo, offset, System.currentTimeMillis());
        } else {
            long turn = -1;
            try (Journal.Hold hold = ingest.journal().hold()) { // so that the seq read after append is this event's
                try {
                    kind = handle(type, null, buf, off, len, lineNo, offset, System.currentTimeMillis());
                } finally {
                    turn = takePublishTurn();
                }
            } finally {
                publishLive(turn);
            }
        }
        count(1, len + 1, kind == DURABLE ? 1 : 0, kind == EPHEMERAL ? 1 : 0);
    }

    /**
     * A block of lines that arrived in one read: one parse pass, one receive time, one hold of the journal lock,
     * one update of the shared counters.
     */
    @Override
    public void lines(byte[] buf, int first, int[] ends, int count, long firstLineNo, long firstOffset)
            throws InterruptedException {
        if (types.length < count) {
            types = new String[ends.length];
            errors = new String[ends.length];
        }
        parser.parseBlock(buf, first, ends, count, types, errors);
        long now = System.currentTimeMillis();
        int s = first;
        long durable = 0;
        long ephemeral = 0;
        prepareLive(count);
        long turn = -1;
        try (Journal.Hold hold = ingest.journal().hold()) {
            try {
                for (int i = 0; i < count; i++) {
                    int e = ends[i];
                    int len = e > s && buf[e - 1] == '\r' ? e - 1 - s : e - s;
                    int kind = handle(types[i], errors[i], buf, s, len, firstLineNo + i, firstOffset + (s - first), now);
                    durable += kind == DURABLE ? 1 : 0;
                    ephemeral += kind == EPHEMERAL ? 1 : 0;
                    s = e + 1;
                }
            } finally {
                turn = takePublishTurn();
            }
        } finally {
            publishLive(turn);
        }
        count(count, ends[count - 1] + 1 - first, durable, ephemeral);
    }

    private void prepareLive(int count) {
        if (live.length < count) {
            live = new Event[Math.max(count, 64)];
        }
        liveCount = 0;
    }

    /**
     * Under the journal lock, when there is something to publish: a place in the broadcaster's publish order, so that
     * no later block (higher seqs, from another input) reaches subscribers first - a consumer resuming after the last
     * seq it saw would skip the lower ones. -1 when there is nothing to publish.
     */
    private long takePublishTurn() {
        return liveCount == 0 ? -1 : ingest.broadcaster().takeTurn();
    }

    /**
     * Outside the journal lock: fan-out must never lengthen the critical section every producer and the committer's
     * batch swap share (waiting for the turn before it happens here too). Events that made it into the journal
     * before a failure are still published.
     */
    private void publishLive(long turn) {
        if (turn >= 0) {
            ingest.broadcaster().publish(turn, live, liveCount);
            java.util.Arrays.fill(live, 0, liveCount, null);
            liveCount = 0;
        }
    }

    private void count(long lines, long bytes, long durable, long ephemeral) {
        IngestStats stats = ingest.stats();
        stats.received.add(lines);
        stats.bytes.add(bytes);
        if (durable > 0) {
            stats.durable.add(durable);
        }
        if (ephemeral > 0) {
            stats.ephemeral.add(ephemeral);
        }
    }

    /**
     * The parser hands out one String instance per distinct type, so an identity check in a tiny memo answers
     * almost every lookup without hashing or comparing the type's characters.
     */
    private boolean isDurable(String type) {
        int slot = type.hashCode() & (memoTypes.length - 1);
        if (memoTypes[slot] == type) {
            return memoDurable[slot];
        }
        boolean durable = ingest.classifier().isDurable(type);
        memoTypes[slot] = type;
        memoDurable[slot] = durable;
        return durable;
    }

    /** Journals or rejects one line, and keeps it for the broadcast after the block; returns which it was. */
    private int handle(String type, String error, byte[] buf, int off, int len, long lineNo, long offset, long now)
            throws InterruptedException {
        if (type == null) {
            reject(lineNo, offset, error, buf, off, len, len);
            return REJECTED;
        }
        rejectReason = null;
        if (runReason != null) {
            endRun();
        }
        boolean durable = isDurable(type);
        if (durable) {
            ticket = ingest.journal().append(sourceJson, now, buf, off, len);
        }
        boolean listened = ingest.broadcaster().hasSubscribers();
        long seq = 0;
        if (durable && (listened || keepSeq)) {
            seq = ingest.journal().lastAppendedSeq(); // this thread holds the lock since the append
        }
        lastSeq = seq;
        if (listened) {
            live[liveCount++] = new Event(type, durable, seq, source, now, Arrays.copyOfRange(buf, off, off + len));
        }
        return durable ? DURABLE : EPHEMERAL;
    }

    @Override
    public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) throws InterruptedException {
        ingest.stats().received.increment();
        ingest.stats().bytes.add(totalLen + 1);
        reject(lineNo, offset, "line of " + totalLen + " bytes exceeds --max-line-bytes " + ingest.maxLineBytes(),
                head, 0, headLen, totalLen);
    }

    /** Rejects an event handed over whole that holds a line feed: the journal keeps one event per line. */
    public void notOneLine(byte[] buf, int len, long lineNo) throws InterruptedException {
        ingest.stats().received.increment();
        ingest.stats().bytes.add(len + 1);
        reject(lineNo, 0, "an event must be one line: it contains a line feed", buf, 0, Math.min(len, ingest.maxLineBytes()), len);
    }

    private void reject(long lineNo, long offset, String reason, byte[] buf, int off, int len, long totalLen)
            throws InterruptedException {
        ingest.stats().rejected.increment();
        rejectReason = reason;
        if (!reason.equals(runReason)) {
            endRun();
            runReason = reason;
        }
        if (++runLength > FULL_PER_RUN) {
            if (quietCount == 0) {
                quietFirstLine = lineNo;
                quietFirstOffset = offset;
            }
            quietCount++;
            quietLastLine = lineNo;
            quietBytes += totalLen;
            if (quietCount >= MAX_QUIET) {
                writeQuiet();
            }
        } else {
            int keep = fullRecordBytes < FULL_RECORD_BYTES ? len : Math.min(len, CUT_ORIGINAL);
            long charge = RejectRecord.encodingBytes(keep);
            // charged without waiting: this may run under the journal lock, which the inputs that would give
            // bytes back need too; the line itself already waited for its bytes in the framer
            memory.force(charge);
            try {
                byte[] record = RejectRecord.encode(source, lineNo, offset, reason, buf, off, keep, totalLen);
                fullRecordBytes += record.length;
                ticket = ingest.journal().reject(record);
            } finally {
                memory.give(charge);
            }
        }
        rejectListener.rejected(lineNo, reason);
    }

    /** The run of identical rejects ended: its summary, if any, goes to rejected/. */
    private void endRun() throws InterruptedException {
        if (quietCount > 0) {
            writeQuiet();
        }
        runReason = null;
        runLength = 0;
    }

    private void writeQuiet() throws InterruptedException {
        ticket = ingest.journal().reject(RejectRecord.repeated(source, quietFirstLine, quietFirstOffset, quietLastLine,
                quietCount, runReason, quietBytes));
        quietCount = 0;
        quietBytes = 0;
    }

    /**
     * End of input: writes what is still summed up. The ticket then covers it, so the last ack waits for it too.
     * Gives back this input's memory.
     */
    public void finish() throws InterruptedException {
        try {
            endRun();
        } finally {
            memory.close();
        }
    }

    /**
     * Makes {@link #lastSeq()} the seq of every durable line, not only while someone listens (it costs a read of the
     * journal's counter per line, which a bulk input does not need).
     */
    public void keepSeq() {
        keepSeq = true;
    }

    /** The seq of the last line handled when it was durable and {@link #keepSeq()} was asked for; otherwise 0. */
    public long lastSeq() {
        return lastSeq;
    }

    public long ticket() {
        return ticket;
    }

    public String rejectReason() {
        return rejectReason;
    }

    public String source() {
        return source;
    }

    /** Reads the whole stream through this handler. */
    public long pump(java.io.InputStream in) throws IOException, InterruptedException {
        try {
            long n = new LineFramer(ingest.maxLineBytes(), memory).pump(in, this);
            finish();
            return n;
        } finally {
            memory.close();
        }
    }
}
