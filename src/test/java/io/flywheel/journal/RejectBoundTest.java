package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Segments;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rejected/ stays within its byte budget whatever a client sends, the oldest records go first and are counted. */
class RejectBoundTest {
    @TempDir
    Path tmp;

    private static final byte[] SRC = Journal.sourceJson("test");

    @Test
    void rejectsStayWithinTheirBudgetOldestFirstCountedAndDurableEventsFlow() throws Exception {
        long budget = 256 << 10;
        DataDir dir = DataDir.open(tmp, null);
        Files.writeString(dir.rejected().resolve("20200101T000000Z-old.jsonl"), "{\"old\":1}\n{\"old\":2}\n");
        Files.writeString(dir.rejected().resolve("x.jsonl.open.torn-0"), "kept by recovery\n");
        JournalConfig cfg = new JournalConfig(1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), 1 << 20,
                Duration.ofSeconds(5), budget);
        Journal j = Journal.open(dir, cfg, RecoveryListener.QUIET, Faults.NONE);
        byte[] garbage = ("{\"reason\":\"malformed\",\"original\":\"" + "x".repeat(900) + "\"}\n").getBytes(StandardCharsets.UTF_8);
        long ticket = 0;
        int records = 4000; // ~3.6 MiB of reject records against a 256 KiB budget
        for (int i = 0; i < records; i++) {
            j.reject(garbage);
            if (i % 10 == 0) {
                byte[] e = ("{\"type\":\"done\",\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
                ticket = j.append(SRC, System.currentTimeMillis(), e, 0, e.length);
            }
        }
        assertTrue(j.awaitSynced(ticket, 30, TimeUnit.SECONDS));
        j.close();

        long total = 0;
        long kept = 0;
        try (Stream<Path> s = Files.list(dir.rejected())) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                total += Files.size(p);
                kept += Files.readAllLines(p).size();
            }
        }
        assertTrue(total <= budget, "rejected/ holds " + total + " bytes, budget " + budget);
        assertTrue(Files.exists(dir.rejected().resolve("x.jsonl.open.torn-0")), "torn tails are not reject records");
        assertTrue(!Files.exists(dir.rejected().resolve("20200101T000000Z-old.jsonl")), "the oldest file went first");
        assertEquals(records + 2, kept + j.rejectsDropped(), "every record is either kept or counted as dropped");
        assertTrue(j.rejectBytesDropped() > 0);
        assertEquals(records / 10, Segments.lines(tmp).size(), "every durable event kept");
    }
}
