package io.flywheel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The framer's buffer starts small and grows: lines of every size around its steps come out whole. */
class LineFramerGrowthTest {

    @Test
    void linesAroundEveryBufferSizeComeOutWhole() throws Exception {
        int max = 1 << 20;
        int[] sizes = {0, 1, 100, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 40_000, 70_000, 200_000, 300_000, max - 1, max, max + 1, 3 * max, 5};
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (int s : sizes) {
            in.write("a".repeat(s).getBytes());
            in.write('\n');
        }
        for (int chunk : new int[] {1 << 20, 4096, 7}) {
            List<Long> seen = new ArrayList<>();
            new LineFramer(max).pump(chunked(in.toByteArray(), chunk), new LineFramer.Sink() {
                @Override
                public void line(byte[] buf, int off, int len, long lineNo, long offset) {
                    for (int i = off; i < off + len; i++) {
                        if (buf[i] != 'a') {
                            throw new AssertionError("corrupt line " + lineNo);
                        }
                    }
                    seen.add((long) len);
                }

                @Override
                public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) {
                    seen.add(-totalLen);
                }
            });
            List<Long> want = new ArrayList<>();
            for (int s : sizes) {
                want.add(s > max ? -(long) s : (long) s);
            }
            assertEquals(want, seen, "chunk " + chunk);
        }
    }

    /** A stream whose reads return at most {@code chunk} bytes, as a socket does. */
    private static InputStream chunked(byte[] data, int chunk) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
    }
}
