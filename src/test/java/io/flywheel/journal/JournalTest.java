package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Segments;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path tmp;

    private static final byte[] SRC = Journal.sourceJson("test");

    private static long append(Journal j, String event) throws InterruptedException {
        byte[] b = event.getBytes(StandardCharsets.UTF_8);
        return j.append(SRC, System.currentTimeMillis(), b, 0, b.length);
    }

    private static JournalConfig config(long rollBytes, Duration idle) {
        return new JournalConfig(rollBytes, Duration.ofMinutes(5), idle, 1 << 20, Duration.ofSeconds(5));
    }

    @Test
    void keepsEventsByteForByteInSequenceAndSealsOnClose() throws Exception {
        DataDir dir = DataDir.open(tmp, "host-a");
        Journal j = Journal.open(dir, config(1 << 20, Duration.ofSeconds(30)), RecoveryListener.QUIET);
        long ticket = 0;
        for (int i = 0; i < 1000; i++) {
            ticket = append(j, "{\"type\":\"done\",\"i\":" + i + ",\"x\":null}");
        }
        assertTrue(j.awaitSynced(ticket, 10, TimeUnit.SECONDS));
        assertEquals(1000, j.keptEvents());
        assertTrue(Files.isSymbolicLink(dir.current()));
        assertTrue(Files.readSymbolicLink(dir.current()).toString().endsWith(".jsonl.open"));
        j.close();
        List<Segments.Line> lines = Segments.lines(tmp);
        assertEquals(1000, lines.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i + 1, lines.get(i).seq());
            assertEquals("{\"type\":\"done\",\"i\":" + i + ",\"x\":null}", lines.get(i).event());
            assertEquals("test", lines.get(i).src());
        }
        assertTrue(Segments.open(tmp).isEmpty());
        assertEquals(List.of(), JournalVerifier.verify(dir, false, RecoveryListener.QUIET).problems());
    }

    @Test
    void onceShippedTheSealRecordsCarryPartMd5sAndCrc32csOfTheBytesWritten() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        // segments of ~64 KiB in parts of 16 KiB: each record has four or five parts, the last one short
        JournalConfig cfg = new JournalConfig(64 << 10, Duration.ofMinutes(5), Duration.ofSeconds(30), 1 << 20,
                Duration.ofSeconds(5), 1 << 20, 16 << 10);
        Journal j = Journal.open(dir, cfg, RecoveryListener.QUIET);
        long ticket = 0;
        for (int i = 0; i < 2000; i++) {
            ticket = append(j, "{\"type\":\"done\",\"i\":" + i + ",\"pad\":\"" + "x".repeat(i % 97) + "\"}");
        }
        assertTrue(j.awaitSynced(ticket, 10, TimeUnit.SECONDS));
        Files.writeString(dir.shipState(), "{}\n"); // what a ship pass leaves
        for (int i = 0; i < 4000; i++) {
            ticket = append(j, "{\"type\":\"done\",\"i\":" + i + ",\"pad\":\"" + "y".repeat(i % 89) + "\"}");
        }
        assertTrue(j.awaitSynced(ticket, 10, TimeUnit.SECONDS));
        j.close();

        List<Path> sealed = Segments.sealed(tmp);
        int withMd5s = 0;
        for (Path p : sealed) {
            SealRecord r = SealRecord.read(p).orElseThrow();
            if (r.md5Parts().isEmpty()) {
                assertEquals(0, withMd5s, p + ": a segment begun before the first ship pass comes after one begun after it");
                assertEquals(SealRecord.compute(p), r, "no MD5s until the directory is shipped");
                continue;
            }
            withMd5s++;
            // the record made while writing equals one computed from the file: SHA-256, counts, every part
            assertEquals(SealRecord.compute(p, 16 << 10), r, p.toString());
            assertEquals((Files.size(p) + (16 << 10) - 1) / (16 << 10), r.md5Parts().size());
            assertTrue(r.hasPartsFor(16 << 10));
            assertTrue(!r.hasPartsFor(8 << 10), "parts of another size do not fit a segment of several parts");
            assertEquals(r, SealRecord.read(p).orElseThrow(), "read back as written");
        }
        assertTrue(withMd5s >= 3, "segments begun after the ship pass: " + withMd5s + " of " + sealed.size());
        assertTrue(withMd5s < sealed.size(), "segments sealed before it carry none");
        assertEquals(List.of(), JournalVerifier.verify(dir, false, RecoveryListener.QUIET).problems());
    }

    @Test
    void aSealRecordWhosePartListsDoNotFitItsLengthIsDamagedNotMissing() throws Exception {
        Path seg = tmp.resolve("x.jsonl");
        Files.writeString(seg, "{}\n");
        SealRecord good = new SealRecord("a".repeat(64), 40_000, 10, 1, 10, 16 << 10,
                List.of("0".repeat(32), "1".repeat(32), "2".repeat(32)), List.of("00000000", "11111111", "22222222"));
        Files.write(SealRecord.pathFor(seg), good.toBytes());
        assertEquals(good, SealRecord.read(seg).orElseThrow());
        for (String damaged : List.of(
                new String(good.toBytes()).replace(",\"2222", ",\"222"),            // a CRC32C too short
                new String(good.toBytes()).replace(",\"22222222\"", ""),            // one CRC32C fewer than parts
                new String(good.toBytes()).replace("16384", "32768"))) {            // part size does not fit
            Files.writeString(SealRecord.pathFor(seg), damaged);
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> SealRecord.read(seg), damaged);
            assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
        }
    }

    @Test
    void rollsAtTheSizeLimitOnLineBoundaries() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        Journal j = Journal.open(dir, config(4096, Duration.ofSeconds(30)), RecoveryListener.QUIET);
        for (int i = 0; i < 2000; i++) {
            append(j, "{\"type\":\"done\",\"i\":" + i + "}");
        }
        j.close();
        List<Path> sealed = Segments.sealed(tmp);
        assertTrue(sealed.size() > 10, "expected many segments, got " + sealed.size());
        long expected = 1;
        for (Path p : sealed) {
            assertTrue(Files.size(p) <= 4096, p + " is " + Files.size(p) + " bytes");
            List<Segments.Line> lines = Segments.lines(p, true);
            assertEquals(expected, SegmentName.parse(p.getFileName().toString()).orElseThrow().firstSeq());
            for (Segments.Line l : lines) {
                assertEquals(expected++, l.seq());
            }
        }
        assertEquals(2001, expected);
    }

    @Test
    void sealsAnIdleSegmentWhileRunningAndKeepsCurrentOnTheSameFile() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        Journal j = Journal.open(dir, config(1 << 20, Duration.ofMillis(200)), RecoveryListener.QUIET);
        long t = append(j, "{\"type\":\"done\"}");
        j.awaitSynced(t, 5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // sealed at once; the in-progress name is retired a second later, after the link moved to the sealed name
        // (readers resolving the link never miss); Segments.open leaves out such a twin, so look for the name itself
        while ((Segments.sealed(tmp).isEmpty() || inProgressNames(tmp) > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, Segments.sealed(tmp).size());
        assertTrue(Segments.open(tmp).isEmpty());
        assertEquals(Files.readSymbolicLink(dir.current()).getFileName(), Segments.sealed(tmp).get(0).getFileName());
        j.close();
    }

    @Test
    void recoveryCutsATornTailKeepsItAndContinuesNumbering() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        Journal j = Journal.open(dir, config(1 << 20, Duration.ofSeconds(30)), RecoveryListener.QUIET);
        for (int i = 0; i < 10; i++) {
            append(j, "{\"type\":\"done\",\"i\":" + i + "}");
        }
        j.close();
        // simulate a crash: an in-progress segment with 3 good lines and a torn fourth
        Path sealed = Segments.sealed(tmp).get(0);
        List<String> good = Files.readAllLines(sealed).subList(0, 3);
        String torn = "{\"seq\":14,\"ts\":\"2026-11-24T09:31:02.123Z\",\"src\":\"test\",\"event\":{\"type\":\"do";
        String body = String.join("\n", good).replace("\"seq\":1,", "\"seq\":11,").replace("\"seq\":2,", "\"seq\":12,")
                .replace("\"seq\":3,", "\"seq\":13,") + "\n" + torn;
        SegmentName name = new SegmentName(java.time.Instant.now(), dir.instance(), 11);
        Files.writeString(dir.segments().resolve(name.openFileName()), body);

        Journal again = Journal.open(dir, config(1 << 20, Duration.ofSeconds(30)), RecoveryListener.QUIET);
        append(again, "{\"type\":\"after\"}");
        again.close();
        List<Segments.Line> lines = Segments.lines(tmp);
        assertEquals(14, lines.size());
        assertEquals(14, lines.get(13).seq(), "numbering continues after the highest sequence on disk");
        assertEquals("{\"type\":\"after\"}", lines.get(13).event());
        Path kept = Files.list(dir.rejected()).filter(p -> p.toString().contains(".torn-")).findFirst().orElseThrow();
        assertEquals(torn, Files.readString(kept));
        assertEquals(List.of(), JournalVerifier.verify(dir, false, RecoveryListener.QUIET).problems());
    }

    @Test
    void verifyNamesTheFileAndLineOfCorruption() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        Journal j = Journal.open(dir, config(1 << 20, Duration.ofSeconds(30)), RecoveryListener.QUIET);
        for (int i = 0; i < 5; i++) {
            append(j, "{\"type\":\"done\",\"i\":" + i + "}");
        }
        j.close();
        Path seg = Segments.sealed(tmp).get(0);
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(seg));
        lines.set(2, lines.get(1)); // a duplicate sequence on line 3
        Files.write(seg, lines);
        List<String> problems = JournalVerifier.verify(dir, false, RecoveryListener.QUIET).problems();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(seg + ":3: sequence 2"), problems.get(0));
        assertTrue(problems.get(1).startsWith(seg + ": bytes changed since sealing"), problems.get(1));
    }

    private static long inProgressNames(Path root) throws IOException {
        try (var names = Files.list(root.resolve("segments"))) {
            return names.filter(p -> p.getFileName().toString().endsWith(".jsonl.open")).count();
        }
    }
}
