package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Segments;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each file step of the journal, failed on purpose through the {@link Faults} seam. A retryable step that fails
 * must cost a pause and nothing else; a fatal one must end the journal naming the step, with every acknowledged
 * event recoverable. Throughout, {@link StepFaults} checks that current.jsonl never dangles and that nothing
 * becomes shippable above the high-water mark.
 */
class JournalFaultTest {
    @TempDir
    Path tmp;

    private static final byte[] SRC = Journal.sourceJson("test");
    private static final int EVENTS = 400;

    private static JournalConfig config(Duration diskRetry) {
        // ~2 KiB segments: a few hundred events make many rolls, so every seal step runs many times
        return new JournalConfig(2048, Duration.ofMinutes(5), Duration.ofSeconds(30), 1 << 20, diskRetry);
    }

    private static String event(int i) {
        return "{\"type\":\"done\",\"i\":" + i + "}";
    }

    private static long append(Journal j, int i) throws InterruptedException {
        byte[] b = event(i).getBytes(StandardCharsets.UTF_8);
        return j.append(SRC, System.currentTimeMillis(), b, 0, b.length);
    }

    /** Appends events {@code from..to-1}, waiting for each small group to be synced (many group commits). */
    private static void appendAcked(Journal j, int from, int to) throws InterruptedException {
        long ticket = 0;
        for (int i = from; i < to; i++) {
            ticket = append(j, i);
            if (i % 7 == 6) {
                assertTrue(j.awaitSynced(ticket, 30, TimeUnit.SECONDS), "synced");
            }
            if (i % 50 == 0) {
                j.reject(("{\"reason\":\"test\",\"i\":" + i + "}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(j.awaitSynced(ticket, 30, TimeUnit.SECONDS), "synced");
    }

    private void assertKeptExactly(int count) throws IOException {
        List<Segments.Line> lines = Segments.lines(tmp);
        assertEquals(count, lines.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i + 1, lines.get(i).seq());
            assertEquals(event(i), lines.get(i).event());
        }
        assertTrue(Segments.open(tmp).isEmpty());
        assertEquals(List.of(), JournalVerifier.verify(DataDir.open(tmp, null), false, RecoveryListener.QUIET).problems());
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = {"SEGMENT_CREATE", "LINK_CURRENT", "SEGMENT_WRITE", "HIGH_WATER",
        "SEAL_RECORD", "SEAL_LINK", "SEAL_UNLINK", "REJECT_WRITE"})
    void aRetryableStepThatFailsCostsAPauseAndNothingElse(Step step) throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(step, 3, 4);
        Journal j = Journal.open(dir, config(Duration.ofSeconds(30)), RecoveryListener.QUIET, faults);
        appendAcked(j, 0, EVENTS);
        j.close();
        assertEquals(4, faults.failed(step), step + " failed as planned");
        assertEquals(List.of(), faults.violations);
        assertKeptExactly(EVENTS);
        assertTrue(rejectRecords() >= EVENTS / 50, "reject records kept");
    }

    @Test
    void aTornWriteWhoseTruncateFailsIsCutBeforeAnythingIsAppendedAfterIt() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).tear(2).fail(Step.SEGMENT_TRUNCATE, 1, 3);
        Journal j = Journal.open(dir, config(Duration.ofSeconds(30)), RecoveryListener.QUIET, faults);
        appendAcked(j, 0, EVENTS);
        j.close();
        assertEquals(3, faults.failed(Step.SEGMENT_TRUNCATE));
        assertEquals(List.of(), faults.violations);
        assertKeptExactly(EVENTS);
    }

    @ParameterizedTest
    @EnumSource(value = Step.class, names = {"SEGMENT_SYNC", "DIR_SYNC", "HIGH_WATER_SYNC", "SEAL_RECORD_SYNC", "REJECT_SYNC"})
    void aFailedFsyncIsFatalNamesItsStepAndLosesNoAcknowledgedEvent(Step step) throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(step, 3, 1);
        Journal j = Journal.open(dir, config(Duration.ofSeconds(30)), RecoveryListener.QUIET, faults);
        int acked = 0;
        JournalFailedException failure = null;
        try {
            for (int i = 0; i < EVENTS; i++) {
                long t = append(j, i);
                if (i % 50 == 0) {
                    j.reject("{\"reason\":\"test\"}\n".getBytes(StandardCharsets.UTF_8));
                }
                if (j.awaitSynced(t, 30, TimeUnit.SECONDS)) {
                    acked = i + 1;
                }
            }
            j.close();
        } catch (JournalFailedException e) {
            failure = e;
        }
        assertNotNull(failure, step + " failure must end the journal");
        assertTrue(failure.getMessage().contains(step.label()), failure.getMessage());
        assertEquals(List.of(), faults.violations);

        // the next start recovers: every acknowledged event is there, in order, once
        Journal again = Journal.open(DataDir.open(tmp, null), config(Duration.ofSeconds(30)), RecoveryListener.QUIET, Faults.NONE);
        again.close();
        List<Segments.Line> lines = Segments.lines(tmp);
        assertTrue(lines.size() >= acked, lines.size() + " kept, " + acked + " acknowledged");
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, lines.get(i).seq());
            assertEquals(event(i), lines.get(i).event());
        }
        assertEquals(List.of(), JournalVerifier.verify(DataDir.open(tmp, null), false, RecoveryListener.QUIET).problems());
    }

    @Test
    void retryingGivesUpAfterTheRetryWindowNamingTheStepAndTheCause() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(Step.SEGMENT_WRITE, 20, Integer.MAX_VALUE / 2);
        Journal j = Journal.open(dir, config(Duration.ofMillis(300)), RecoveryListener.QUIET, faults);
        int acked = 0;
        JournalFailedException failure = assertThrows(JournalFailedException.class, () -> {
            for (int i = 0; i < EVENTS; i++) {
                long t = append(j, i);
                j.awaitSynced(t, 30, TimeUnit.SECONDS);
            }
        });
        acked = (int) j.keptEvents();
        assertTrue(failure.getMessage().contains("segment-write") && failure.getMessage().contains("No space left on device")
                && failure.getMessage().contains("giving up"), failure.getMessage());
        assertThrows(JournalFailedException.class, j::close);
        assertEquals(List.of(), faults.violations);
        Journal.open(DataDir.open(tmp, null), config(Duration.ofSeconds(30)), RecoveryListener.QUIET, Faults.NONE).close();
        List<Segments.Line> lines = Segments.lines(tmp);
        assertTrue(lines.size() >= acked && acked > 0, lines.size() + " kept, " + acked + " acknowledged");
    }

    @Test
    void whileRetryingTheJournalSaysWhyAndKeepsShowingSignsOfLife() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(Step.SEGMENT_WRITE, 1, 12);
        Journal j = Journal.open(dir, config(Duration.ofSeconds(60)), RecoveryListener.QUIET, faults);
        long t = append(j, 0);
        List<Long> beats = new ArrayList<>();
        String trouble = null;
        while (!j.awaitSynced(t, 10, TimeUnit.MILLISECONDS)) {
            if (j.diskTrouble() != null) {
                trouble = j.diskTrouble();
                if (beats.isEmpty() || beats.get(beats.size() - 1) != j.lastProgressNanos()) {
                    beats.add(j.lastProgressNanos());
                }
            }
        }
        assertNotNull(trouble);
        assertTrue(trouble.contains("segment-write") && trouble.contains("No space left on device"), trouble);
        assertTrue(beats.size() >= 3, "retry attempts count as progress: " + beats.size());
        assertEquals(null, j.diskTrouble(), "cleared once writing works again");
        j.close();
        assertKeptExactly(1);
    }

    @Test
    void aTimedRollWhoseSealFailsIsRetriedNotFatal() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(Step.SEAL_LINK, 1, 3).fail(Step.HIGH_WATER, 1, 2);
        JournalConfig idleRoll = new JournalConfig(1 << 20, Duration.ofMinutes(5), Duration.ofMillis(50), 1 << 20,
                Duration.ofSeconds(30));
        Journal j = Journal.open(dir, idleRoll, RecoveryListener.QUIET, faults);
        appendAcked(j, 0, 10);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (j.segmentsSealed() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, j.segmentsSealed());
        assertEquals(null, j.failure());
        assertEquals(3, faults.failed(Step.SEAL_LINK));
        j.close();
        assertEquals(List.of(), faults.violations);
        assertKeptExactly(10);
    }

    @Test
    void aSegmentWhoseHighWaterMarkCannotBeWrittenNeverBecomesShippable() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        StepFaults faults = new StepFaults(tmp).fail(Step.HIGH_WATER, 2, Integer.MAX_VALUE / 2);
        Journal j = Journal.open(dir, config(Duration.ofMillis(300)), RecoveryListener.QUIET, faults);
        try {
            for (int i = 0; i < EVENTS; i++) {
                append(j, i);
            }
            j.close();
        } catch (JournalFailedException expected) {
            assertTrue(expected.getMessage().contains("high-water"), expected.getMessage());
        }
        assertNotNull(j.failure());
        assertEquals(List.of(), faults.violations);
        // every number given out so far, in sealed and in-progress segments
        long highestBefore = 0;
        try (Stream<Path> s = Files.list(tmp.resolve("segments"))) {
            for (Path p : s.toList()) {
                for (Segments.Line l : Segments.lines(p, false)) {
                    highestBefore = Math.max(highestBefore, l.seq());
                }
            }
        }
        // ship --keep-shipped 0 may delete every sealed segment now: the mark must cover them all
        try (Stream<Path> s = Files.list(tmp.resolve("segments"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                Files.delete(p);
            }
        }
        Journal again = Journal.open(DataDir.open(tmp, null), config(Duration.ofSeconds(30)), RecoveryListener.QUIET, Faults.NONE);
        long t = append(again, 999_999);
        assertTrue(again.awaitSynced(t, 30, TimeUnit.SECONDS));
        again.close();
        List<Segments.Line> after = Segments.lines(tmp);
        Segments.Line last = after.get(after.size() - 1);
        assertEquals(event(999_999), last.event());
        assertTrue(highestBefore > 0 && last.seq() == highestBefore + 1,
                "new event numbered " + last.seq() + " after " + highestBefore + " numbers were given out");
    }

    @Test
    void anUnreadableHighWaterMarkIsAnErrorNotAZero() throws Exception {
        DataDir dir = DataDir.open(tmp, null);
        Files.writeString(dir.seqHighWater(), "12x\n");
        IOException e = assertThrows(IOException.class,
                () -> Journal.open(dir, config(Duration.ofSeconds(1)), RecoveryListener.QUIET, Faults.NONE));
        assertTrue(e.getMessage().contains("seq.hwm") && e.getMessage().contains("12x"), e.getMessage());
    }

    private long rejectRecords() throws IOException {
        long n = 0;
        try (Stream<Path> s = Files.list(tmp.resolve("rejected"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                n += Files.readAllLines(p).size();
            }
        }
        return n;
    }
}
