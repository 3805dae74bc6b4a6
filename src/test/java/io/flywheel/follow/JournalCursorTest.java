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

    /**
     * Segments created while the cursor lists the directory. A listing may show a file created during it and miss
     * an older one created during it too (readdir returns entries in hash order, not creation order): a cursor that
     * took the next segment from one listing jumped over the one it missed. The writer here follows the journal's
     * order of file operations (create in-progress, write, link sealed, drop the in-progress name later), without
     * fsync so that it rolls thousands of times while the cursor reads.
     */
    @Test
    void segmentsCreatedDuringAListingAreNeverSkipped() throws Exception {
        Path seg = Files.createDirectories(dir.resolve("segments"));
        for (int i = 0; i < 2000; i++) {
            Files.createFile(seg.resolve("other-" + i)); // a long listing, so that several rolls happen during one
        }
        int segments = 300;
        int perSegment = 5;
        long last = (long) segments * perSegment;
        Thread writer = new Thread(() -> {
            try {
                java.util.ArrayDeque<Path> retiring = new java.util.ArrayDeque<>();
                for (long first = 1; first <= last; first += perSegment) {
                    Path open = seg.resolve(name(first) + ".jsonl.open");
                    append(open, first, first + perSegment - 1);
                    Files.writeString(seg.resolve(name(first) + ".jsonl.seal"), "{}");
                    Files.createLink(seg.resolve(name(first) + ".jsonl"), open);
                    retiring.add(open);
                    if (retiring.size() > 20) {
                        Files.delete(retiring.poll());
                    }
                    if (first % (3 * perSegment) == 1) {
                        Thread.sleep(15); // bursts of rolls, each most likely during a listing of a cursor that caught up
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        List<Long> got = new ArrayList<>();
        JournalCursor.Visitor v = (seq, b, off, len) -> got.add(seq);
        writer.start();
        try (JournalCursor c = new JournalCursor(dir, 1)) {
            while (writer.isAlive()) {
                c.poll(v);
            }
            writer.join();
            c.poll(v); // the rest, now that the newest segment is complete
        }
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i + 1, got.get(i), "every seq once, in order");
        }
        assertEquals(last, got.size());
    }

    /**
     * A cursor that starts while the first segments are created: when its listing shows none at or before its seq,
     * it starts from the oldest, which must not be a newer one the listing showed while missing the first.
     */
    @Test
    void aCursorStartingAsTheFirstSegmentsAppearStartsAtTheFirst() throws Exception {
        Path seg = Files.createDirectories(dir.resolve("segments"));
        for (int i = 0; i < 2000; i++) {
            Files.createFile(seg.resolve("other-" + i)); // a long listing, so that several rolls happen during one
        }
        for (int round = 0; round < 40; round++) {
            try (var old = Files.newDirectoryStream(seg, "2026*")) {
                for (Path p : old) {
                    Files.delete(p);
                }
            }
            long pause = round % 4;
            long base = 1 + round * 1000L; // other names each round: whether a listing can miss one depends on their hashes
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(pause);
                    for (long first = base; first < base + 15; first += 5) {
                        Path open = seg.resolve(name(first) + ".jsonl.open");
                        append(open, first, first + 4);
                        Files.createLink(seg.resolve(name(first) + ".jsonl"), open);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            List<Long> got = new ArrayList<>();
            try (JournalCursor c = new JournalCursor(dir, base)) {
                writer.start();
                while (writer.isAlive()) {
                    c.poll((seq, b, off, len) -> got.add(seq));
                }
                writer.join();
                c.poll((seq, b, off, len) -> got.add(seq));
            }
            assertEquals(base, got.get(0), "round " + round + " started at the first seq");
            assertEquals(15, got.size(), "round " + round);
        }
    }

    /**
     * Seqs no longer in the directory (a segment shipped and removed while a reader was behind, or before it asked
     * for them): follow prints what is there and says which seqs it passed, except the ones before the oldest event
     * when no start was asked for.
     */
    @Test
    void followTellsWhichSeqsAreNoLongerThere() throws Exception {
        Path seg = Files.createDirectories(dir.resolve("segments"));
        append(seg.resolve(name(1) + ".jsonl"), 1, 5);
        append(seg.resolve(name(11) + ".jsonl"), 11, 15); // 6-10 shipped and removed
        List<String> notices = new ArrayList<>();
        var out = new java.io.ByteArrayOutputStream();
        long printed = new Follower(new Follower.Options(dir, 1, null, 0, false, java.util.Set.of(), true, 1))
                .run(out, notices::add, () -> true);
        assertEquals(10, printed);
        assertEquals(List.of("seqs 6-10 are no longer in " + dir + " (shipped and removed, see --keep-shipped)"), notices);
        assertEquals(10, out.toString(StandardCharsets.UTF_8).lines().count());

        Files.delete(seg.resolve(name(1) + ".jsonl")); // now the oldest left starts at 11
        notices.clear();
        new Follower(new Follower.Options(dir, 0, null, 0, false, java.util.Set.of(), true, 1))
                .run(new java.io.ByteArrayOutputStream(), notices::add, () -> true);
        assertEquals(List.of(), notices, "everything still there was asked for: nothing is missing");
        new Follower(new Follower.Options(dir, 3, null, 0, false, java.util.Set.of(), true, 1))
                .run(new java.io.ByteArrayOutputStream(), notices::add, () -> true);
        assertEquals(List.of("seqs 3-10 are no longer in " + dir + " (shipped and removed, see --keep-shipped)"), notices);
    }
}
