package io.flywheel.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.bus.Signal;
import io.flywheel.event.Event;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flywheel embedded in a JVM application, used the way README shows: no process, no socket, real files. */
class FlywheelRuntimeTest {
    @TempDir
    Path tmp;

    private static String text(int i) {
        return "{\"type\":\"text\",\"session\":\"s1\",\"i\":" + i + "}";
    }

    /** All journal lines on disk (sealed and open segments), as text. */
    private static String onDisk(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.list(dir.resolve("segments"))) {
            for (Path p : files.sorted().toList()) {
                if (p.getFileName().toString().contains(".jsonl")) {
                    sb.append(Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        }
        return sb.toString();
    }

    @Test
    void anAppendCompletesWithItsSeqOnceTheEventIsInTheJournalFiles() throws Exception {
        Path dir = tmp.resolve("data");
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir))) {
            fw.start();
            List<CompletableFuture<Appended>> acks = new ArrayList<>();
            for (int i = 1; i <= 2000; i++) {
                acks.add(fw.append(text(i)));
            }
            for (int i = 1; i <= 2000; i++) {
                Appended a = acks.get(i - 1).get(30, TimeUnit.SECONDS);
                assertEquals(new Appended(i, true), a);
            }
            // completion means the line was written (and fsynced) before it: it is in the file now
            String disk = onDisk(dir);
            assertTrue(disk.contains("\"seq\":2000,") && disk.contains(text(2000)), "acked event on disk");

            Appended ephemeral = fw.append("{\"type\":\"text_chunk\",\"text\":\"hi\"}").get(5, TimeUnit.SECONDS);
            assertEquals(new Appended(0, false), ephemeral);
            assertEquals(2001, fw.append(text(2001) + "\n").get(5, TimeUnit.SECONDS).seq(), "a kept line end is framing");
        }
    }

    @Test
    void aBadEventFailsItsOwnAppendIsRecordedAndNothingElseIsLost() throws Exception {
        Path dir = tmp.resolve("data");
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir).withLimits(4096, 16L << 20))) {
            CompletableFuture<Appended> good1 = fw.append(text(1));
            ExecutionException malformed = assertThrows(ExecutionException.class,
                    () -> fw.append("{\"type\":\"text\",").get(5, TimeUnit.SECONDS));
            assertInstanceOf(RejectedEventException.class, malformed.getCause());
            ExecutionException twoLines = assertThrows(ExecutionException.class,
                    () -> fw.append("{\"type\":\"text\",\n\"i\":2}").get(5, TimeUnit.SECONDS));
            assertTrue(twoLines.getCause().getMessage().contains("one line"), twoLines.getCause().getMessage());
            ExecutionException tooLong = assertThrows(ExecutionException.class,
                    () -> fw.append("{\"type\":\"text\",\"x\":\"" + "a".repeat(5000) + "\"}").get(5, TimeUnit.SECONDS));
            assertTrue(tooLong.getCause().getMessage().contains("exceeds"), tooLong.getCause().getMessage());
            CompletableFuture<Appended> good2 = fw.append(text(2));
            assertEquals(1, good1.get(5, TimeUnit.SECONDS).seq());
            assertEquals(2, good2.get(5, TimeUnit.SECONDS).seq(), "a reject takes no seq");
            assertEquals(3, fw.stats().rejected.sum());
        }
        try (Stream<Path> rejected = Files.list(dir.resolve("rejected"))) {
            String records = String.join("", rejected.map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList());
            assertTrue(records.contains("one line") && records.contains("exceeds"), records);
        }
    }

    /** A directory of 4 KiB segments holding events 1..300 (text(1)..text(300)), and the config that made it. */
    private static RuntimeConfig smallSegmentsWith300Events(Path dir) throws Exception {
        RuntimeConfig config = RuntimeConfig.defaults(dir).withJournal(new io.flywheel.journal.JournalConfig(4096,
                Duration.ofMinutes(5), Duration.ofSeconds(30), RuntimeConfig.PENDING_BYTES, Duration.ofSeconds(5), 1 << 20));
        try (FlywheelRuntime fw = FlywheelRuntime.open(config)) {
            for (int i = 1; i <= 300; i++) {
                fw.append(text(i));
            }
        }
        return config;
    }

    @Test
    void committedReplaysWhatIsKeptThenFollowsEachGroupCommitWithNoGapNoRepeatAndOnlyOnDemand() throws Exception {
        Path dir = tmp.resolve("data");
        // small segments, so that replay and live cross several rolls
        RuntimeConfig config = smallSegmentsWith300Events(dir);
        try (FlywheelRuntime fw = FlywheelRuntime.open(config)) {
            fw.start();
            AssertSubscriber<Event> slow = fw.committed(250).subscribe().withSubscriber(AssertSubscriber.create(10));
            slow.awaitItems(10);
            List<CompletableFuture<Appended>> acks = new ArrayList<>();
            for (int i = 301; i <= 800; i++) {
                acks.add(fw.append(text(i)));
            }
            acks.getLast().get(30, TimeUnit.SECONDS);
            Thread.sleep(100); // a demand-driven reader must not run ahead of its 10 requested events meanwhile
            assertEquals(10, slow.getItems().size(), "delivered only what was requested");
            slow.request(Long.MAX_VALUE);
            slow.awaitItems(551, Duration.ofSeconds(30));
            List<Long> seqs = slow.getItems().stream().map(Event::seq).toList();
            for (int k = 0; k < seqs.size(); k++) {
                assertEquals(250 + k, seqs.get(k), "seq order, none skipped or repeated");
            }
            assertEquals(text(800), slow.getItems().getLast().text(), "the original event");
            assertTrue(slow.getItems().stream().allMatch(Event::durable));
            assertFalse(slow.hasCompleted(), "still following");
            fw.close(Duration.ofSeconds(5), CloseProgress.SILENT);
            slow.awaitCompletion(Duration.ofSeconds(10));
            assertEquals(551, slow.getItems().size());
        }
    }

    /** Seqs no longer in the files (a segment shipped and removed) are passed: the jump shows, and the log says why. */
    @Test
    void committedPassesSeqsNoLongerInTheFilesAndSaysSo() throws Exception {
        Path dir = tmp.resolve("data");
        RuntimeConfig config = smallSegmentsWith300Events(dir);
        List<Path> sealed;
        try (var names = java.nio.file.Files.list(dir.resolve("segments"))) {
            sealed = names.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        assertTrue(sealed.size() >= 3, sealed.toString());
        java.nio.file.Files.delete(sealed.get(1)); // the second segment, as --keep-shipped 0 removes a shipped one
        List<String> warnings = new CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.flywheel.runtime.CommittedStream");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(java.text.MessageFormat.format(String.valueOf(r.getMessage()), r.getParameters() == null ? new Object[0] : r.getParameters()));
            }

            public void flush() {
            }

            public void close() {
            }
        };
        log.addHandler(capture);
        try (FlywheelRuntime fw = FlywheelRuntime.open(config)) {
            AssertSubscriber<Event> all = fw.committed(1).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
            List<Long> seqs = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((all.getItems().isEmpty() || all.getItems().getLast().seq() != 300) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            all.getItems().forEach(e -> seqs.add(e.seq()));
            long gapFrom = -1;
            for (int k = 1; k < seqs.size(); k++) {
                if (seqs.get(k) != seqs.get(k - 1) + 1) {
                    assertEquals(-1, gapFrom, "one gap: " + seqs);
                    gapFrom = seqs.get(k - 1) + 1;
                }
            }
            assertTrue(gapFrom > 1, "the removed segment's seqs are passed: " + seqs);
            assertEquals(300L, seqs.getLast());
            long from = gapFrom;
            assertTrue(warnings.stream().anyMatch(w -> w.contains("seqs " + from + "-")), "the log says which: " + warnings);
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void liveSubscribersGetEveryClassWithSeqsAndNeverHoldUpAppends() throws Exception {
        Path dir = tmp.resolve("data");
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir))) {
            List<Signal> seen = new CopyOnWriteArrayList<>();
            fw.live(e -> true).subscribe().with(seen::add);
            // a subscriber that never asks for anything: appends still complete
            AssertSubscriber<Signal> stalled = fw.live(e -> true).subscribe().withSubscriber(AssertSubscriber.create(0));
            fw.append("{\"type\":\"text_chunk\",\"text\":\"a\"}").join();
            for (int i = 1; i <= 500; i++) {
                fw.append(text(i));
            }
            assertEquals(500L, fw.append(text(500)).thenApply(a -> a.seq() - 1).join());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 502 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(502, seen.size());
            Event first = ((Signal.Delivered) seen.getFirst()).event();
            assertFalse(first.durable());
            Event last = ((Signal.Delivered) seen.getLast()).event();
            assertEquals(501, last.seq());
            assertTrue(stalled.getItems().isEmpty());
        }
    }

    /**
     * A subscriber's buffer is bounded by the memory budget: an eighth of it when that is less than 8 MiB. 4 MiB of
     * events wait for a stalled subscriber of a runtime with a 16 MiB budget (bound 2 MiB) and of one with 64 MiB
     * (bound 8 MiB): the first loses the oldest and says how many, the second keeps them all.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "budget {0} MiB")
    @org.junit.jupiter.params.provider.ValueSource(ints = {16, 64})
    void aStalledSubscriberHoldsAtMostAnEighthOfTheMemoryBudget(int budgetMiB) throws Exception {
        Path dir = tmp.resolve("data");
        long bound = Math.min(8L << 20, ((long) budgetMiB << 20) / 8);
        int events = 4096;
        String pad = "x".repeat(960);
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir).withLimits(4096, (long) budgetMiB << 20))) {
            List<Signal> seen = new CopyOnWriteArrayList<>();
            fw.live(e -> true).subscribe().with(seen::add); // keeps up: tells when every event was published
            AssertSubscriber<Signal> stalled = fw.live(e -> true).subscribe().withSubscriber(AssertSubscriber.create(0));
            CompletableFuture<Appended> last = null;
            for (int i = 1; i <= events; i++) {
                last = fw.append("{\"type\":\"text\",\"i\":" + i + ",\"pad\":\"" + pad + "\"}");
            }
            last.get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < events && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(events, seen.size());

            stalled.request(Long.MAX_VALUE);
            long lagged = 0;
            long delivered = 0;
            long deliveredBytes = 0;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lagged + delivered < events && System.nanoTime() < deadline) {
                Thread.sleep(10);
                lagged = 0;
                delivered = 0;
                deliveredBytes = 0;
                for (Signal sig : stalled.getItems()) {
                    if (sig instanceof Signal.Lagged l) {
                        lagged += l.missed();
                    } else if (sig instanceof Signal.Delivered d) {
                        delivered++;
                        deliveredBytes += d.event().raw().length;
                    }
                }
            }
            assertEquals(events, lagged + delivered, "every event delivered or counted as missed");
            assertTrue(deliveredBytes <= bound, deliveredBytes + " bytes held for a bound of " + bound);
            if (bound < 4L << 20) {
                assertTrue(lagged > 0 && deliveredBytes > bound / 2, "lost the oldest, kept about the bound: " + lagged
                        + " missed, " + deliveredBytes + " bytes kept");
            } else {
                assertEquals(0, lagged, "4 MiB fit in " + bound);
            }
        }
    }

    @Test
    void oneWriterPerDirectoryAndAClosedRuntimeRefusesAppends() throws Exception {
        Path dir = tmp.resolve("data");
        FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir));
        DirectoryInUseException busy = assertThrows(DirectoryInUseException.class,
                () -> FlywheelRuntime.open(RuntimeConfig.defaults(dir)));
        assertEquals(Long.toString(ProcessHandle.current().pid()), busy.holder().trim());
        CompletableFuture<Appended> kept = fw.append(text(1));
        assertTrue(fw.close(Duration.ofSeconds(5), CloseProgress.SILENT));
        assertEquals(1, kept.join().seq(), "appended before close: kept");
        CompletionException late = assertThrows(CompletionException.class, () -> fw.append(text(2)).join());
        assertInstanceOf(io.flywheel.journal.JournalClosedException.class, late.getCause());
        try (FlywheelRuntime again = FlywheelRuntime.open(RuntimeConfig.defaults(dir))) {
            assertEquals(2, again.append(text(2)).join().seq(), "the next writer goes on from the kept seq");
        }
    }

    /**
     * The promise of {@code append}: a future that completes successfully means the event is kept. An fsync fails
     * (fatal) in the middle of a stream of appends: every append either completed and is in the journal when it is
     * opened again, or failed with the journal's failure; a committed subscriber hears the failure too.
     */
    @Test
    void aFailedFsyncFailsTheAppendsItCoversAndEveryCompletedOneIsKept() throws Exception {
        Path dir = tmp.resolve("data");
        java.util.concurrent.atomic.AtomicInteger syncs = new java.util.concurrent.atomic.AtomicInteger();
        io.flywheel.journal.Faults failFifthSync = step -> {
            if (step == io.flywheel.journal.Step.SEGMENT_SYNC && syncs.incrementAndGet() == 5) {
                throw new java.io.IOException("test: fsync failed");
            }
        };
        List<CompletableFuture<Appended>> acks = new ArrayList<>();
        AssertSubscriber<Event> committed;
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir).withFaults(failFifthSync))) {
            // no demand until the journal has failed: then it is behind, and must still get all that was kept first
            committed = fw.committed(1).subscribe().withSubscriber(AssertSubscriber.create(0));
            for (int i = 1; i <= 400 && fw.failure() == null; i++) {
                acks.add(fw.append(text(i)));
                if (i % 50 == 0) {
                    try {
                        acks.getLast().get(10, TimeUnit.SECONDS); // one group commit per 50 appends, or so
                    } catch (ExecutionException e) {
                        break;
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fw.failure() == null && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            committed.request(Long.MAX_VALUE);
            committed.awaitFailure(Duration.ofSeconds(10));
            assertFalse(fw.close(Duration.ofSeconds(5), CloseProgress.SILENT), "close says not everything was kept");
        }
        List<Long> completed = new ArrayList<>();
        int failed = 0;
        for (CompletableFuture<Appended> f : acks) {
            try {
                completed.add(f.get(10, TimeUnit.SECONDS).seq());
            } catch (ExecutionException e) {
                assertInstanceOf(io.flywheel.journal.JournalFailedException.class, e.getCause(), e.toString());
                failed++;
            }
        }
        // the four syncs before the failed one kept something (how much depends on how appends fell into commits)
        assertTrue(completed.size() >= 1 && failed >= 1, completed.size() + " completed, " + failed + " failed");
        assertInstanceOf(io.flywheel.journal.JournalFailedException.class, committed.getFailure());
        // all that was kept, then the failure: the subscriber knows it missed nothing before it
        List<Long> beforeFailure = committed.getItems().stream().map(Event::seq).toList();
        assertEquals(java.util.stream.LongStream.rangeClosed(1, beforeFailure.size()).boxed().toList(), beforeFailure,
                "kept events in seq order, each once");
        assertTrue(beforeFailure.containsAll(completed), "every completed append reached the committed subscriber "
                + "before its failure: " + beforeFailure.size() + " delivered, last completed " + completed.getLast());

        try (FlywheelRuntime again = FlywheelRuntime.open(RuntimeConfig.defaults(dir).withFaults(io.flywheel.journal.Faults.NONE))) {
            AssertSubscriber<Event> kept = again.committed(1).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
            long last = completed.getLast();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (kept.getItems().size() < last && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<Long> seqs = kept.getItems().stream().map(Event::seq).toList();
            assertTrue(seqs.containsAll(completed), "every completed append is kept: " + seqs.size() + " kept, "
                    + completed.size() + " completed");
        }
    }
}
