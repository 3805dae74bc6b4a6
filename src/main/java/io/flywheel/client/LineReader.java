package io.flywheel.client;

import java.io.IOException;
import java.io.InputStream;

/** Reads the server's short lines from a stream; a line longer than the buffer is cut (server lines are small). */
final class LineReader {
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int start;
    private int limit;

    LineReader(InputStream in) {
        this.in = in;
    }

    /** Calls {@code sink} for each line until end of stream. */
    void forEach(LineSink sink) throws IOException {
        while (true) {
            for (int i = start; i < limit; i++) {
                if (buf[i] == '\n') {
                    sink.line(buf, start, i - start);
                    start = i + 1;
                }
            }
            if (start == limit) {
                start = limit = 0;
            } else if (start > 0) {
                System.arraycopy(buf, start, buf, 0, limit - start);
                limit -= start;
                start = 0;
            }
            if (limit == buf.length) {
                sink.line(buf, 0, limit);
                limit = 0;
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                if (limit > start) {
                    sink.line(buf, start, limit - start);
                }
                return;
            }
            limit += n;
        }
    }

    interface LineSink {
        void line(byte[] buf, int off, int len) throws IOException;
    }
}
