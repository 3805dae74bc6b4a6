package io.flywheel.ingest;

import io.flywheel.event.Swar;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into lines ({@code \n}, with a {@code \r} before it dropped) with one fixed buffer, so memory
 * stays bounded whatever arrives: a line longer than {@code maxLineBytes} is streamed past, keeping only its head
 * for the reject record. A last line without a line end is still delivered at end of input.
 */
public final class LineFramer {
    /** Receives lines; the buffer is only valid during the call. */
    public interface Sink {
        void line(byte[] buf, int off, int len, long lineNo, long offset) throws IOException, InterruptedException;

        void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) throws IOException, InterruptedException;

        /**
         * A block of {@code count} complete lines: line {@code i} runs from the end of line {@code i-1} (or
         * {@code first}) to {@code ends[i]}, the index of its {@code \n}; a {@code \r} before it is not part of the
         * line. Sinks that can handle lines in bulk override this; by default each goes to {@link #line}.
         */
        default void lines(byte[] buf, int first, int[] ends, int count, long firstLineNo, long firstOffset)
                throws IOException, InterruptedException {
            int s = first;
            for (int i = 0; i < count; i++) {
                int e = ends[i];
                int len = e > s && buf[e - 1] == '\r' ? e - 1 - s : e - s;
                line(buf, s, len, firstLineNo + i, firstOffset + (s - first));
                s = e + 1;
            }
        }

        /** Called when a read returned and every complete line in it was delivered (a good moment to flush acks). */
        default void endOfRead() throws IOException, InterruptedException {
        }
    }

    /** Where the buffer starts: an idle connection holds only this much (thousands of them must stay cheap). */
    private static final int INITIAL_BYTES = 16 * 1024;
    /** The buffer stops growing for throughput here; beyond it only a long line makes it grow (up to maxBytes). */
    private static final int STREAMING_BYTES = 256 * 1024;
    /** Lines handed over in one block at most (a block is parsed with one JSON parser). */
    private static final int MAX_BLOCK_LINES = 4096;

    private final int maxLineBytes;
    private final int maxBytes;
    private final MemoryBudget.Account memory;
    /** Holds a long-line reservation of the budget: the buffer may grow to maxBytes without asking again. */
    private boolean longLine;
    private byte[] buf;
    private int[] ends = new int[64];
    private long lineNo;
    private long offset; // stream offset of buf[0]

    public LineFramer(int maxLineBytes) {
        this(maxLineBytes, MemoryBudget.unlimited().account());
    }

    /**
     * A framer whose buffer growth is charged to {@code memory} (see {@link MemoryBudget}): growing for throughput
     * only when the budget has room, growing for a line that does not fit through a long-line reservation that this
     * input waits for - reading nothing meanwhile - and gives back when its buffer is empty again. The owner of the
     * account gives everything back when the input ends.
     */
    public LineFramer(int maxLineBytes, MemoryBudget.Account memory) {
        this.maxLineBytes = maxLineBytes;
        this.maxBytes = Math.max(STREAMING_BYTES, maxLineBytes + 64 * 1024);
        this.memory = memory;
        memory.base(INITIAL_BYTES);
        this.buf = new byte[INITIAL_BYTES];
    }

    /** What a long-line reservation covers: the buffer at its largest. */
    private long reservation() {
        return maxBytes - INITIAL_BYTES;
    }

    /** The buffer is empty: back to the start size, so that an idle input holds nothing of the budget. */
    private void shrink() {
        buf = new byte[INITIAL_BYTES];
        memory.giveStream();
        if (longLine) {
            memory.give(reservation());
            longLine = false;
        }
    }

    /** Grows the buffer (or not, when the budget says no and the line still fits); waits only when it must. */
    private void grow(int limit, boolean wantRoom, boolean wantSpeed) throws IOException, InterruptedException {
        int grown = Math.min(maxBytes, buf.length * 2);
        if (longLine) {
            buf = java.util.Arrays.copyOf(buf, grown);
            return;
        }
        if (grown <= STREAMING_BYTES && (wantRoom || wantSpeed) && memory.tryStream(grown - buf.length)) {
            buf = java.util.Arrays.copyOf(buf, grown);
            return;
        }
        if (limit == buf.length) {
            // no room at all: this line cannot go on without more memory, so wait for it (reading nothing)
            memory.take(reservation());
            memory.giveStream(); // the reservation covers the whole buffer from now on
            longLine = true;
            buf = java.util.Arrays.copyOf(buf, grown);
        }
    }

    /** Reads until end of input. Returns the number of lines delivered (oversize ones included). */
    public long pump(InputStream in, Sink sink) throws IOException, InterruptedException {
        int start = 0;
        int limit = 0;
        int scan = 0;
        byte[] head = null;      // set while skipping an oversize line
        long skippedLen = 0;
        long skipStart = 0;
        boolean lastReadFilled = false;
        while (true) {
            int minFree = Math.min(64 * 1024, buf.length / 4);
            if (head == null && start > 0 && (buf.length - limit) < minFree) {
                System.arraycopy(buf, start, buf, 0, limit - start);
                offset += start;
                limit -= start;
                scan -= start;
                start = 0;
            }
            if (head == null && start == limit && longLine) {
                // a long line is done: its bytes go back to the other inputs instead of staying idle here
                offset += start;
                start = limit = scan = 0;
                shrink();
            }
            // grow (up to maxBytes) for a line that does not fit, or up to STREAMING_BYTES for a busy stream
            boolean wantRoom = (buf.length - limit) < minFree;
            boolean wantSpeed = lastReadFilled && buf.length < STREAMING_BYTES;
            if (buf.length < maxBytes && (wantRoom || wantSpeed)) {
                grow(limit, wantRoom, wantSpeed);
            }
            int want = buf.length - limit;
            int n = in.read(buf, limit, want);
            lastReadFilled = n == want;
            if (n < 0) {
                break;
            }
            if (n == 0) {
                continue;
            }
            limit += n;
            if (head != null) {
                // skipping: look for the end of the oversize line
                int nl = indexOf(buf, 0, limit);
                if (nl < 0) {
                    skippedLen += limit;
                    offset += limit;
                    limit = 0;
                    scan = 0;
                    continue;
                }
                long total = skippedLen + nl;
                sink.oversize(head, head.length, total, ++lineNo, skipStart);
                head = null;
                if (!longLine) {
                    memory.give(maxLineBytes);
                }
                start = nl + 1;
                scan = start;
            }
            int blockStart = start;
            int count = 0;
            while (true) {
                int nl = indexOf(buf, scan, limit);
                if (nl < 0) {
                    scan = limit;
                    break;
                }
                int len = nl > start && buf[nl - 1] == '\r' ? nl - 1 - start : nl - start;
                if (len > maxLineBytes) {
                    count = flush(sink, blockStart, count);
                    deliver(sink, start, nl);
                    blockStart = nl + 1;
                } else {
                    ends[count++] = nl;
                    if (count == ends.length) {
                        if (ends.length < MAX_BLOCK_LINES) {
                            ends = java.util.Arrays.copyOf(ends, ends.length * 2);
                        } else {
                            count = flush(sink, blockStart, count);
                            blockStart = nl + 1;
                        }
                    }
                }
                start = nl + 1;
                scan = start;
            }
            flush(sink, blockStart, count);
            if (limit - start > maxLineBytes + 1) {
                // no line end within the limit: keep the head, stream past the rest (in a small buffer: the
                // reservation, or a charge, now covers the head instead)
                head = new byte[maxLineBytes];
                System.arraycopy(buf, start, head, 0, maxLineBytes);
                if (!longLine) {
                    memory.force(maxLineBytes);
                }
                buf = new byte[INITIAL_BYTES];
                memory.giveStream();
                skipStart = offset + start;
                skippedLen = limit - start;
                offset += limit;
                start = limit = scan = 0;
            }
            sink.endOfRead();
        }
        if (head != null) {
            sink.oversize(head, head.length, skippedLen, ++lineNo, skipStart);
            head = null;
            if (!longLine) {
                memory.give(maxLineBytes);
            }
        } else if (limit > start) {
            deliver(sink, start, limit);
        }
        sink.endOfRead();
        return lineNo;
    }

    /** Hands a block of complete lines to the sink; returns the new (zero) count. */
    private int flush(Sink sink, int blockStart, int count) throws IOException, InterruptedException {
        if (count > 0) {
            sink.lines(buf, blockStart, ends, count, lineNo + 1, offset + blockStart);
            lineNo += count;
        }
        return 0;
    }

    private void deliver(Sink sink, int start, int end) throws IOException, InterruptedException {
        int len = end - start;
        if (len > 0 && buf[end - 1] == '\r') {
            len--;
        }
        long lineStartOffset = offset + start;
        lineNo++;
        if (len > maxLineBytes) {
            memory.force(maxLineBytes); // short-lived, and this input holds its line already: no waiting here
            try {
                byte[] head = new byte[maxLineBytes];
                System.arraycopy(buf, start, head, 0, maxLineBytes);
                sink.oversize(head, maxLineBytes, len, lineNo, lineStartOffset);
            } finally {
                memory.give(maxLineBytes);
            }
        } else {
            sink.line(buf, start, len, lineNo, lineStartOffset);
        }
    }

    static int indexOf(byte[] b, int from, int to) {
        return Swar.indexOfNewline(b, from, to);
    }
}
