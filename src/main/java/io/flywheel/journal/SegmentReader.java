package io.flywheel.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Reads a segment line by line with one reusable buffer (lines are envelopes, at most a few MiB). */
public final class SegmentReader {
    /** Gets each complete line (without its {@code \n}); returns false to stop. */
    @FunctionalInterface
    public interface LineVisitor {
        boolean line(byte[] buf, int off, int len, long fileOffset, long lineNo) throws IOException;
    }

    /** What a scan found: where the last visited complete line ends, and whether bytes without a line end follow. */
    public record Result(long validEnd, long lines, boolean stopped, long fileSize) {
        public boolean hasTornTail() {
            return validEnd < fileSize;
        }
    }

    private SegmentReader() {
    }

    public static Result scan(Path file, LineVisitor visitor) throws IOException {
        byte[] buf = new byte[1 << 20];
        int start = 0;
        int limit = 0;
        long base = 0; // file offset of buf[0]
        long lines = 0;
        long validEnd = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (start > 0 && start == limit) {
                    base += start;
                    start = limit = 0;
                } else if (limit == buf.length) {
                    if (start > 0) {
                        System.arraycopy(buf, start, buf, 0, limit - start);
                        base += start;
                        limit -= start;
                        start = 0;
                    } else {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    }
                }
                int n = in.read(buf, limit, buf.length - limit);
                if (n < 0) {
                    break;
                }
                int scanFrom = limit;
                limit += n;
                for (int i = scanFrom; i < limit; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                        if (!visitor.line(buf, start, i - start, base + start, lines)) {
                            return new Result(base + start, lines - 1, true, Files.size(file));
                        }
                        start = i + 1;
                        validEnd = base + start;
                    }
                }
            }
        }
        return new Result(validEnd, lines, false, Files.size(file));
    }

    /** Newlines in a file (its complete lines); 0 when it is gone. */
    public static long countLines(Path p) throws IOException {
        long n = 0;
        byte[] buf = new byte[256 * 1024];
        try (InputStream in = Files.newInputStream(p)) {
            int r;
            while ((r = in.read(buf)) > 0) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException gone) {
            return 0;
        }
        return n;
    }

    /** The sequence number on the last complete line of a sealed segment, or -1 when it has none. */
    public static long lastSeq(Path file) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            int chunk = 64 * 1024;
            long end = size;
            // skip a trailing newline, then look backwards for the line start
            while (end > 0) {
                long from = Math.max(0, end - chunk);
                byte[] b = new byte[(int) (end - from)];
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b);
                while (bb.hasRemaining() && ch.read(bb, from + bb.position()) > 0) {
                    // read fully
                }
                int i = b.length - 1;
                if (end == size && i >= 0 && b[i] == '\n') {
                    i--;
                }
                for (; i >= 0; i--) {
                    if (b[i] == '\n') {
                        return readSeqAt(ch, from + i + 1);
                    }
                }
                if (from == 0) {
                    return size > 0 ? readSeqAt(ch, 0) : -1;
                }
                end = from;
                chunk = Math.min(chunk * 2, 8 << 20);
            }
            return -1;
        }
    }

    /** The sequence number of the envelope line starting at {@code offset} of a segment, or -1 when none is there. */
    public static long seqAt(Path file, long offset) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            return readSeqAt(ch, offset);
        }
    }

    private static long readSeqAt(java.nio.channels.FileChannel ch, long pos) throws IOException {
        byte[] b = new byte[32];
        int n = ch.read(java.nio.ByteBuffer.wrap(b), pos);
        return n <= 0 ? -1 : Envelope.readSeq(b, 0, n);
    }
}
