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
    private String[] errors = new String[0];
    private long ticket;
    private String rejectReason;
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
    }

    @Override
    public void line(byte[] buf, int off, int len, long lineNo, long offset) throws InterruptedException {
        String type = parser.parse(buf, off, len);
        handle(type, parser.error(), buf, off, len, lineNo, offset);
    }

    @Override
    public void lines(byte[] buf, int first, int[] ends, int count, long firstLineNo, long firstOffset)
            throws InterruptedException {
        if (types.length < count) {
            types = new String[ends.length];
            errors = new String[ends.length];
        }
        parser.parseBlock(buf, first, ends, count, types, errors);
        int s = first;
        for (int i = 0; i < count; i++) {
            int e = ends[i];
            int len = e > s && buf[e - 1] == '\r' ? e - 1 - s : e - s;
            handle(types[i], errors[i], buf, s, len, firstLineNo + i, firstOffset + (s - first));
            s = e + 1;
        }
    }

    private void handle(String type, String error, byte[] buf, int off, int len, long lineNo, long offset)
            throws InterruptedException {
        IngestStats stats = ingest.stats();
        stats.received.increment();
        stats.bytes.add(len + 1);
        if (type == null) {
            reject(lineNo, offset, error, buf, off, len, len);
            return;
        }
        rejectReason = null;
        long now = System.currentTimeMillis();
        boolean durable = ingest.classifier().isDurable(type);
        if (durable) {
            ticket = ingest.journal().append(sourceJson, now, buf, off, len);
            stats.durable.increment();
        } else {
            stats.ephemeral.increment();
        }
        if (ingest.broadcaster().hasSubscribers()) {
            ingest.broadcaster().publish(new Event(type, durable, source, now, Arrays.copyOfRange(buf, off, off + len)));
        }
    }

    @Override
    public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) throws InterruptedException {
        ingest.stats().received.increment();
        ingest.stats().bytes.add(totalLen + 1);
        reject(lineNo, offset, "line of " + totalLen + " bytes exceeds --max-line-bytes " + ingest.maxLineBytes(),
                head, 0, headLen, totalLen);
    }

    private void reject(long lineNo, long offset, String reason, byte[] buf, int off, int len, long totalLen)
            throws InterruptedException {
        ingest.stats().rejected.increment();
        rejectReason = reason;
        ticket = ingest.journal().reject(RejectRecord.encode(source, lineNo, offset, reason, buf, off, len, totalLen));
        rejectListener.rejected(lineNo, reason);
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
        return new LineFramer(ingest.maxLineBytes()).pump(in, this);
    }
}
