package io.flywheel.follow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealing order seen from a reader: one file under two names, moved, with a later segment appearing. */
class JournalCursorTest {
    @TempDir
    Path dir;

    private static String line(long seq) {
        return "{\"seq\":" + seq + ",\"ts\":\"2026-11-24T09:31:02.123Z\",\"src\":\"stdin\",\"event\":{\"type\":\"done\",\"n\":" + seq + "}}\n";
    }

    private static String name(long firstSeq) {
        return String.format("20261124T093102.123Z-abc-%019d", firstSeq);
    }

    private void append(Path f, long from, long to) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (long s = from; s <= to; s++) {
            sb.append(line(s));
        }
        Files.writeString(f, sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void everySeqOnceAcrossHardLinksMovesAndATornTail() throws Exception {
        Path seg = Files.createDirectories(dir.resolve("segments"));
        Path shipped = Files.createDirectories(dir.resolve("shipped"));
        List<Long> got = new ArrayList<>();
        JournalCursor.Visitor v = (seq, b, off, len) -> got.add(seq);
        try (JournalCursor c = new JournalCursor(dir, 1)) {
            Path open1 = seg.resolve(name(1) + ".jsonl.open");
            append(open1, 1, 10);
            Files.writeString(open1, "{\"seq\":11,\"ts\":\"2026-", StandardOpenOption.APPEND); // half written
            c.poll(v);
            assertEquals(10, got.size());
            Files.writeString(open1, "11-24T09:31:02.123Z\",\"src\":\"stdin\",\"event\":{\"type\":\"done\"}}\n", StandardOpenOption.APPEND);
            append(open1, 12, 20);
            Files.createLink(seg.resolve(name(1) + ".jsonl"), open1); // sealed: the same file under two names
            c.poll(v);
            append(seg.resolve(name(21) + ".jsonl.open"), 21, 30);
            c.poll(v);
            Files.delete(open1);
            Files.move(seg.resolve(name(1) + ".jsonl"), shipped.resolve(name(1) + ".jsonl")); // shipped meanwhile
            append(seg.resolve(name(21) + ".jsonl.open"), 31, 35);
            c.poll(v);
            assertEquals(36, c.nextSeq());
        }
        List<Long> want = new ArrayList<>();
        for (long s = 1; s <= 35; s++) {
            want.add(s);
        }
        assertEquals(want, got);
        // a reader starting in the middle finds the segment holding its seq, wherever it is now
        got.clear();
        try (JournalCursor c = new JournalCursor(dir, 15)) {
            c.poll(v);
        }
        assertEquals(want.subList(14, 35), got);
    }
}
