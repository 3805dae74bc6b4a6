package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.stats.PromText;
import io.flywheel.testing.Flywheel;
import io.flywheel.testing.NotifyListener;
import io.flywheel.testing.Json;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flywheel status}, {@code DIR/metrics.prom} and systemd notification, against the real {@code target/flywheel}. */
class StatusIT {
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl"); // 16 durable, 10 ephemeral

    @TempDir
    Path tmp;

    @Test
    void statusCountsKeptRejectedAndSegmentsOfAStoppedDirectory() throws Exception {
        Path dir = tmp.resolve("data");
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, Files.readString(SAMPLE) + "not json\n{\"no\":\"type\"}\n");
        Flywheel.Result r = Flywheel.run(input, "run", "--dir", dir.toString());
        assertEquals(0, r.exit(), r.all());
        r = Flywheel.run(SAMPLE, "run", "--dir", dir.toString()); // a second run: a second segment
        assertEquals(0, r.exit(), r.all());

        Flywheel.Result s = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
        assertEquals(0, s.exit(), s.all());
        Map<String, Object> j = Json.flat(s.stdout());
        assertEquals(32L, j.get("kept"), s.stdout());
        assertEquals(32L, j.get("kept_local"), s.stdout());
        assertEquals(2L, j.get("rejected"), s.stdout());
        assertEquals(0L, j.get("segments.open"), s.stdout());
        assertEquals(2L, j.get("segments.sealed"), s.stdout());
        assertEquals(0L, j.get("segments.shipped"), s.stdout());
        assertEquals(false, j.get("writer_live"), s.stdout());
        long segBytes = 0;
        try (var files = Files.list(dir.resolve("segments"))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) { // not the .seal records
                segBytes += Files.size(p);
            }
        }
        assertEquals(segBytes, j.get("backlog_bytes"), s.stdout());
        // the last run's final metrics: its own counters
        assertEquals(16L, j.get("live.kept"), s.stdout());
        assertEquals(26L, j.get("live.received"), s.stdout());
        assertEquals(false, j.get("live.running"), s.stdout());

        Flywheel.Result t = Flywheel.run(null, "status", "--dir", dir.toString());
        assertEquals(0, t.exit(), t.all());
        assertTrue(t.stdout().contains("kept         32 events"), t.stdout());
        assertTrue(t.stdout().contains("rejected     2 records"), t.stdout());
        assertTrue(t.stdout().contains("0 open, 2 sealed (unshipped), 0 shipped"), t.stdout());
        assertTrue(t.stdout().contains("none (stopped)"), t.stdout());

        Flywheel.Result missing = Flywheel.run(null, "status", "--dir", tmp.resolve("nope").toString());
        assertEquals(2, missing.exit(), missing.all());
    }

    @Test
    void aLiveRunWritesMetricsThatStatusReads() throws Exception {
        Path dir = tmp.resolve("data");
        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--metrics-interval", "1s");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(Files.readAllBytes(SAMPLE));
            in.write("bad line\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            Path prom = dir.resolve("metrics.prom");
            PromText.Parsed m = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                if (Files.exists(prom)) {
                    m = PromText.parse(Files.readString(prom));
                    if (m.value("flywheel_events_kept_total") == 16 && m.value("flywheel_events_rejected_total") == 1) {
                        break;
                    }
                }
                Thread.sleep(200);
            }
            assertTrue(m != null, "metrics.prom appears while the run is alive");
            assertEquals(16, m.value("flywheel_events_kept_total"), "kept counter matches the input's durable events");
            assertEquals(1, m.value("flywheel_events_rejected_total"));
            assertEquals(10, m.value("flywheel_events_ephemeral_total"));
            assertEquals(1, m.value("flywheel_up"));
            assertEquals("histogram", m.types().get("flywheel_fsync_seconds"));
            assertTrue(p.isAlive());

            Flywheel.Result s = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
            assertEquals(0, s.exit(), s.all());
            Map<String, Object> j = Json.flat(s.stdout());
            assertEquals(true, j.get("writer_live"), s.stdout());
            assertEquals(Long.toString(p.pid()), j.get("writer_pid"), s.stdout());
            assertEquals(true, j.get("live.running"), s.stdout());
            assertEquals(16L, j.get("live.kept"), s.stdout());
            assertEquals(1L, j.get("segments.open"), s.stdout());
            assertEquals(16L, j.get("kept"), s.stdout());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
        PromText.Parsed last = PromText.parse(Files.readString(dir.resolve("metrics.prom")));
        assertEquals(0, last.value("flywheel_up"));
        assertEquals(1, last.value("flywheel_segments_sealed_total"));
    }

    @Test
    void statusOverTheSocketGivesLiveFiguresFromTheRunningServer() throws Exception {
        Path dir = tmp.resolve("data");
        Path sock = tmp.resolve("s.sock");
        Process p = Flywheel.builder("run", "--dir", dir.toString(), "--socket", sock.toString(), "--metrics-interval", "1h")
                .redirectError(tmp.resolve("err.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(sock) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Flywheel.Result emit = Flywheel.run(SAMPLE, "emit", "--socket", sock.toString());
            assertEquals(0, emit.exit(), emit.all());
            Flywheel.Result s = Flywheel.run(null, "status", "--socket", sock.toString(), "--json");
            assertEquals(0, s.exit(), s.all());
            Map<String, Object> j = Json.flat(s.stdout());
            assertEquals(16L, j.get("live.kept"), "figures come from the process, not from a metrics file written hourly: " + s.stdout());
            assertEquals(10L, j.get("live.ephemeral"), s.stdout());
            assertEquals(true, j.get("live.running"), s.stdout());
            assertEquals(16L, j.get("kept"), s.stdout());
            Flywheel.Result table = Flywheel.run(null, "status", "--socket", sock.toString());
            assertEquals(0, table.exit(), table.all());
            assertTrue(table.stdout().contains("kept"), table.stdout());
        } finally {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
        Flywheel.Result gone = Flywheel.run(null, "status", "--socket", sock.toString());
        assertEquals(2, gone.exit(), gone.all());
        assertTrue(gone.stderr().contains("cannot connect"), gone.stderr());
    }

    @Test
    void systemdNotificationReadyStatusWatchdogStopping() throws Exception {
        try (NotifyListener listener = NotifyListener.start(tmp)) {
            Path sock = listener.socket();
            java.util.function.Supplier<List<String>> got = () -> listener.messages().stream().map(NotifyListener.Message::text).toList();
            ProcessBuilder pb = Flywheel.builder("run", "--dir", tmp.resolve("data").toString(), "--metrics-interval", "1s");
            pb.environment().put("NOTIFY_SOCKET", sock.toString());
            pb.environment().put("WATCHDOG_USEC", "1000000");
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Path err = tmp.resolve("err.txt");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(Files.readAllBytes(SAMPLE));
                in.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline && !(count(got.get(), "WATCHDOG=1") >= 2 && count(got.get(), "STATUS=") >= 2
                        && got.get().stream().anyMatch(m -> m.contains("STATUS=") && m.contains("16 kept")))) {
                    Thread.sleep(100);
                }
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(err));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < deadline && count(got.get(), "STOPPING=1") == 0) {
                Thread.sleep(50);
            }
            List<String> msgs = got.get();
            assertTrue(msgs.get(0).startsWith("READY=1"), msgs.toString());
            assertTrue(count(msgs, "WATCHDOG=1") >= 2, msgs.toString());
            assertTrue(count(msgs, "STATUS=") >= 2, "a periodic STATUS besides the one with READY: " + msgs);
            assertTrue(msgs.stream().anyMatch(m -> m.contains("STATUS=") && m.contains("16 kept")), msgs.toString());
            assertTrue(msgs.get(msgs.size() - 1).startsWith("STOPPING=1"), msgs.toString());
            assertFalse(Files.readString(err).contains("WARNING"), Files.readString(err));
        }
    }

    private static long count(List<String> msgs, String what) {
        return msgs.stream().filter(m -> m.contains(what)).count();
    }
}
