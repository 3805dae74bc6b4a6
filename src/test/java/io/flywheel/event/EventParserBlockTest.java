package io.flywheel.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The one-parser-per-block fast path must accept and reject exactly what line-by-line parsing does. */
class EventParserBlockTest {
    private static final List<byte[]> POOL = new ArrayList<>();

    static {
        for (String s : new String[] {
            "{\"type\":\"done\"}", "{\"type\":\"text_chunk\",\"text\":\"h\\u00e9 \\\"q\\\" ✓\"}", "{\"type\":\"a\"} ",
            " {\"type\":\"a\"}", "{\"type\":\"a\"}{\"type\":\"b\"}", "{\"type\":", "\"a\"}", "", "   ", "[1,2]", "42",
            "{\"type\":1}", "{\"type\":\"a\",\"type\":\"b\"}", "{\"a\":{\"type\":\"x\"}}", "{\"type\":\"\"}",
            "{\"x\":[1,{\"y\":null}],\"type\":\"deep\",\"z\":{\"type\":3}}", "{\"type\":\"a\"}\r", "{}", "{",
            "{\"type\":\"a\",}", "{\"type\":\"a\"} x", "{\"type\":\"a\u0000\"}", "not json", "{\"type\":\"a\"}]",
            "{\"type\":\"unicode 😀\"}", "{\"type\":\"a\"}\t"}) {
            POOL.add(s.getBytes(StandardCharsets.UTF_8));
        }
        POOL.add(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, '"', '}'});
        POOL.add(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC3, (byte) 0xA9, '"', '}'});
    }

    @Test
    void everyPoolLineAloneAndAfterEveryOther() {
        for (byte[] a : POOL) {
            for (byte[] b : POOL) {
                compare(List.of(a, b, POOL.get(0)));
            }
        }
    }

    @RepeatedTest(20)
    void randomMixes() {
        Random r = new Random();
        List<byte[]> lines = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            lines.add(POOL.get(r.nextInt(POOL.size())));
        }
        compare(lines);
    }

    private static void compare(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('#'); // the block need not start at 0
        int[] ends = new int[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            out.writeBytes(lines.get(i));
            ends[i] = out.size();
            out.write('\n');
        }
        byte[] buf = out.toByteArray();
        String[] types = new String[lines.size()];
        String[] errors = new String[lines.size()];
        new EventParser().parseBlock(buf, 1, ends, lines.size(), types, errors);
        EventParser single = new EventParser();
        int s = 1;
        for (int i = 0; i < lines.size(); i++) {
            int len = ends[i] > s && buf[ends[i] - 1] == '\r' ? ends[i] - 1 - s : ends[i] - s;
            String t = single.parse(buf, s, len);
            String line = new String(buf, s, len, StandardCharsets.UTF_8);
            assertEquals(t, types[i], "type of line " + i + ": " + line);
            assertEquals(single.error(), errors[i], "reason for line " + i + ": " + line);
            s = ends[i] + 1;
        }
    }
}
