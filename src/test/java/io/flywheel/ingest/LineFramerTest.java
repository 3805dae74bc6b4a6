package io.flywheel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {
    private final List<String> lines = new ArrayList<>();
    private final List<String> oversize = new ArrayList<>();
    private final LineFramer.Sink sink = new LineFramer.Sink() {
        @Override
        public void line(byte[] buf, int off, int len, long lineNo, long offset) {
            lines.add(lineNo + "@" + offset + ":" + new String(buf, off, len, StandardCharsets.UTF_8));
        }

        @Override
        public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) {
            oversize.add(lineNo + "@" + offset + ":" + totalLen + ":" + new String(head, 0, 3, StandardCharsets.UTF_8));
        }
    };

    @Test
    void splitsLinesAcceptsCrlfAndAnUnterminatedLastLine() throws Exception {
        new LineFramer(64).pump(in("a\r\nbb\n\nccc"), sink);
        assertEquals(List.of("1@0:a", "2@3:bb", "3@6:", "4@7:ccc"), lines);
    }

    @Test
    void streamsPastAnOversizeLineWithBoundedMemory() throws Exception {
        // 3 MiB line through a framer whose buffer is far smaller; read in small chunks like a pipe
        String big = "x".repeat(3 << 20);
        InputStream chunked = new ByteArrayInputStream(("ok1\n" + big + "\nok2\n").getBytes(StandardCharsets.US_ASCII)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7000));
            }
        };
        new LineFramer(1024).pump(chunked, sink);
        assertEquals(List.of("1@0:ok1", "3@" + (4 + big.length() + 1) + ":ok2"), lines);
        assertEquals(List.of("2@4:" + big.length() + ":xxx"), oversize);
    }

    @Test
    void oversizeLastLineWithoutLineEnd() throws Exception {
        new LineFramer(16).pump(in("a\n" + "y".repeat(400000)), sink);
        assertEquals(List.of("1@0:a"), lines);
        assertEquals(List.of("2@2:400000:yyy"), oversize);
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
