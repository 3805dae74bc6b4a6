package io.flywheel.obs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.bus.Broadcaster;
import io.flywheel.ingest.IngestStats;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.Journal;
import io.flywheel.journal.JournalConfig;
import io.flywheel.journal.RecoveryListener;
import io.flywheel.stats.LatencyHistogram;
import io.flywheel.stats.PromText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Prometheus text rendering, parsed back. */
class PromTextTest {
    @TempDir
    Path tmp;

    @Test
    void histogramBucketsAreCumulativeMonotonicAndEndWithTheCount() {
        LatencyHistogram h = new LatencyHistogram();
        long[] nanos = {3_000, 80_000, 400_000, 900_000, 2_000_000, 7_000_000, 40_000_000, 300_000_000, 3_000_000_000L, 90_000_000_000L};
        for (long n : nanos) {
            h.recordNanos(n);
        }
        PromText.Parsed p = PromText.parse(new PromText().histogram("flywheel_fsync_seconds", "test", h).text());
        assertEquals("histogram", p.types().get("flywheel_fsync_seconds"));
        List<PromText.Sample> buckets = p.all("flywheel_fsync_seconds_bucket");
        assertEquals(PromText.LATENCY_BOUNDS.length + 1, buckets.size());
        double prevLe = Double.NEGATIVE_INFINITY;
        double prev = 0;
        for (PromText.Sample b : buckets) {
            double le = b.labels().get("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.labels().get("le"));
            assertTrue(le > prevLe, "bounds increase: " + buckets);
            assertTrue(b.value() >= prev, "cumulative counts never decrease: " + buckets);
            prevLe = le;
            prev = b.value();
        }
        assertEquals(Double.POSITIVE_INFINITY, prevLe);
        assertEquals(nanos.length, prev, "+Inf holds every observation");
        assertEquals(nanos.length, p.value("flywheel_fsync_seconds_count"));
        double sum = 0;
        for (long n : nanos) {
            sum += n / 1e9;
        }
        assertEquals(sum, p.value("flywheel_fsync_seconds_sum"), 1e-6);
        // 3 µs and 80 µs are below the first bound (100 µs); 90 s is above the last (10 s)
        assertEquals(2, buckets.get(0).value());
        assertEquals(nanos.length - 1, buckets.get(buckets.size() - 2).value());
    }

    @Test
    void labelsAndValuesRoundTrip() {
        String text = new PromText()
                .counter("a_total", "with \\ and\nnewline", 7)
                .counter("b_total", "labelled", "subscriber", Map.of("x\"y", 3L))
                .gauge("c", "fraction", 0.00025)
                .text();
        PromText.Parsed p = PromText.parse(text);
        assertEquals(7, p.value("a_total"));
        assertEquals("x\"y", p.all("b_total").get(0).labels().get("subscriber"));
        assertEquals(3, p.all("b_total").get(0).value());
        assertEquals(0.00025, p.value("c"), 1e-12);
        assertEquals(Map.of("a_total", "counter", "b_total", "counter", "c", "gauge"), p.types());
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("1bad 3\n"));
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("ok{l=unquoted} 3\n"));
    }

    @Test
    void runMetricsHaveTheDocumentedNamesAndTypesAndMatchTheJournal() throws Exception {
        DataDir dir = DataDir.open(tmp, "host-a");
        Journal j = Journal.open(dir, new JournalConfig(1 << 20, Duration.ofMinutes(5), Duration.ofSeconds(30), 1 << 20,
                Duration.ofSeconds(5)), RecoveryListener.QUIET);
        IngestStats stats = new IngestStats();
        Broadcaster bus = new Broadcaster();
        byte[] src = Journal.sourceJson("test");
        long ticket = 0;
        for (int i = 0; i < 5; i++) {
            byte[] e = "{\"type\":\"done\"}".getBytes(StandardCharsets.UTF_8);
            ticket = j.append(src, System.currentTimeMillis(), e, 0, e.length);
            stats.received.increment();
            stats.durable.increment();
        }
        stats.rejected.increment();
        assertTrue(j.awaitSynced(ticket, 10, TimeUnit.SECONDS));
        LatencyHistogram acks = new LatencyHistogram();
        acks.recordNanos(1_500_000);
        MetricsWriter w = new MetricsWriter(dir, j, stats, bus, () -> 42, acks);
        io.flywheel.ingest.MemoryBudget budget = new io.flywheel.ingest.MemoryBudget(32L << 20);
        budget.account().base(io.flywheel.ingest.MemoryBudget.BASE_BYTES); // one input: its start buffer is held
        w.memory(budget);
        w.write();
        Path file = tmp.resolve(MetricsWriter.FILE);
        PromText.Parsed p = PromText.parse(Files.readString(file));
        try (var names = Files.list(tmp)) {
            assertTrue(names.noneMatch(f -> f.getFileName().toString().startsWith(MetricsWriter.FILE + ".tmp")),
                    "written through a temp file, renamed");
        }
        for (Map.Entry<String, String> e : p.types().entrySet()) {
            assertTrue(e.getKey().startsWith("flywheel_"), e.getKey());
            assertEquals(e.getValue().equals("counter"), e.getKey().endsWith("_total"), "only counters end in _total: " + e);
        }
        assertTrue(p.types().keySet().containsAll(Set.of("flywheel_events_received_total", "flywheel_events_kept_total",
                "flywheel_events_rejected_total", "flywheel_events_ephemeral_total", "flywheel_subscriber_dropped_total",
                "flywheel_segments_sealed_total", "flywheel_bytes_kept_total", "flywheel_backlog_bytes",
                "flywheel_subscribers", "flywheel_intake_paused", "flywheel_disk_trouble", "flywheel_up",
                "flywheel_fsync_seconds", "flywheel_ack_seconds")), p.types().toString());
        assertEquals("histogram", p.types().get("flywheel_ack_seconds"));
        assertEquals(5, p.value("flywheel_events_kept_total"));
        assertEquals(5, p.value("flywheel_events_received_total"));
        assertEquals(1, p.value("flywheel_events_rejected_total"));
        assertEquals(42, p.value("flywheel_backlog_bytes"));
        assertEquals(io.flywheel.ingest.MemoryBudget.BASE_BYTES, p.value("flywheel_ingest_memory_bytes"));
        assertEquals(32L << 20, p.value("flywheel_ingest_memory_limit_bytes"));
        assertEquals(0, p.value("flywheel_ingest_memory_waits_total"));
        assertEquals(1, p.value("flywheel_up"));
        assertEquals(1, p.value("flywheel_ack_seconds_count"));
        assertTrue(p.value("flywheel_fsync_seconds_count") >= 1);
        j.close();
        w.close();
        PromText.Parsed last = PromText.parse(Files.readString(file));
        assertEquals(0, last.value("flywheel_up"), "the file written at exit says the run is down");
        assertEquals(1, last.value("flywheel_segments_sealed_total"));
    }
}
