package io.flywheel.ship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Json;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.Segments;
import io.flywheel.testing.ShipTool;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code flywheel run --ship-every} ships while ingesting; {@code --max-backlog} holds durable input while MinIO is down. */
class RunShipIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();


    private static String event(int n) {
        return "{\"type\":\"tool_call_complete\",\"n\":" + n + ",\"output\":\"" + "o".repeat(150) + "\"}\n";
    }

    @Test
    void shipsWhileIngestingAndEveryEventEndsUpExactlyOnce() throws Exception {
        String bucket = "run-ship";
        ShipTool.createBucket(S3, bucket);
        Path dir = ShipTool.newDir("run-ship").resolve("data");
        Process p = ShipTool.builder(S3, Map.of(), List.of("run", "--dir", dir.toString(), "--ship-every", "500ms",
                        "--bucket", bucket, "--roll-bytes", "32KiB", "--keep-shipped", "0"))
                .redirectError(dir.resolveSibling("err.txt").toFile()).start();
        try (OutputStream in = p.getOutputStream()) {
            for (int n = 0; n < 3000; n++) {
                in.write(event(n).getBytes(StandardCharsets.UTF_8));
                if (n % 500 == 499) {
                    in.flush();
                    Thread.sleep(300);
                }
            }
            in.flush();
            waitUntil(() -> keys(bucket).size() >= 5, 30);
            assertTrue(p.isAlive(), "objects appear while run is still ingesting");
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolveSibling("err.txt")));
        assertEquals(3000, everyEventOnce(bucket, dir).size());
        assertEquals(3000, shippedExactlyOnce(bucket, dir).size());
    }

    @Test
    void maxBacklogBlocksDurableIngestWhileTheServerIsDownAndReleasesItAfter() throws Exception {
        String bucket = "run-backlog";
        ShipTool.createBucket(S3, bucket);
        Path dir = ShipTool.newDir("backlog").resolve("data");
        S3.stop();
        Process p = null;
        try {
            p = ShipTool.builder(S3, Map.of(), List.of("run", "--dir", dir.toString(), "--ship-every", "300ms",
                            "--bucket", bucket, "--roll-bytes", "16KiB", "--roll-idle", "200ms", "--max-backlog", "64KiB",
                            "--retries", "1", "--keep-shipped", "0"))
                    .redirectError(dir.resolveSibling("err.txt").toFile()).start();
            Process proc = p;
            Thread feeder = Thread.ofPlatform().start(() -> {
                try (OutputStream in = proc.getOutputStream()) {
                    for (int n = 0; n < 2000; n++) {
                        in.write(event(n).getBytes(StandardCharsets.UTF_8));
                        if (n % 20 == 19) {
                            in.flush();
                            Thread.sleep(5); // an agent's pace, not one burst
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            // 2000 events are about 370 KiB of segments: with the server down, ingest must stop near 64 KiB
            Path errFile = dir.resolveSibling("err.txt");
            waitUntil(() -> {
                try {
                    return Files.readString(errFile).contains("durable ingest paused");
                } catch (IOException e) {
                    return false;
                }
            }, 60);
            Thread.sleep(1000); // the idle roll seals what the pause left open
            long heldBack = onDisk(dir);
            assertTrue(heldBack < 1000, "durable ingest stops at the backlog bound, got " + heldBack);
            Thread.sleep(1000);
            assertEquals(heldBack, onDisk(dir), "and stays stopped while the server is down");
            assertTrue(p.isAlive());
            S3.start();
            feeder.join(60_000);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(dir.resolveSibling("err.txt")));
            String err = Files.readString(dir.resolveSibling("err.txt"));
            assertTrue(err.contains("durable ingest paused"), err);
            assertTrue(err.contains("durable ingest resumed"), err);
        } finally {
            S3.start();
            if (p != null) {
                p.destroyForcibly();
            }
        }
        assertEquals(2000, everyEventOnce(bucket, dir).size(), "nothing lost");
        assertEquals(2000, shippedExactlyOnce(bucket, dir).size(), "nothing lost");
    }

    @Test
    void shipEveryWritesShipPromAndStatusShowsTheShippingFigures() throws Exception {
        String bucket = "run-prom";
        ShipTool.createBucket(S3, bucket);
        Path dir = ShipTool.newDir("run-prom").resolve("data");
        Path prom = dir.resolve("ship.prom");

        // first run: nothing listens at the endpoint, so every pass with something to ship fails (class unavailable)
        Process down = startRun(bucket, dir, Map.of("MINIO_ENDPOINT", "http://127.0.0.1:9"), "--retries", "0");
        try (OutputStream in = down.getOutputStream()) {
            feed(in, 400);
            waitUntil(() -> series(prom, "flywheel_ship_pending_segments") >= 2
                    && series(prom, "flywheel_ship_failures_total{class=\"unavailable\"}") >= 1, 30);
        }
        assertTrue(down.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, down.exitValue(), Files.readString(dir.resolveSibling("err.txt")));
        String text = Files.readString(prom);
        assertEquals(0, series(prom, "flywheel_ship_last_pass_ok"), text);
        assertEquals(0, series(prom, "flywheel_ship_failures_total{class=\"credentials\"}"), text);
        assertTrue(series(prom, "flywheel_ship_pending_bytes") > 0, text);
        assertTrue(text.contains("flywheel_ship_oldest_pending_age_seconds "), text);
        Map<String, Object> failing = status(dir);
        assertEquals("unavailable", failing.get("last_ship.error_class"), failing::toString);
        assertTrue((Long) failing.get("last_ship.failures_total.unavailable") >= 1, failing::toString);
        assertTrue((Long) failing.get("last_ship.pending") >= 2, failing::toString);
        assertTrue((Long) failing.get("last_ship.pending_bytes") > 0, failing::toString);
        assertTrue(((Number) failing.get("last_ship.oldest_pending_age_seconds")).doubleValue() > 0, failing::toString);
        long unavailable = (Long) failing.get("last_ship.failures_total.unavailable");

        // second run against the server, without input so that no segment is sealed meanwhile: the backlog goes,
        // the figures say so, the failure counts stay
        long before = System.currentTimeMillis() / 1000;
        Process up = startRun(bucket, dir, Map.of());
        try (OutputStream in = up.getOutputStream()) {
            waitUntil(() -> series(prom, "flywheel_ship_last_pass_ok") == 1
                    && series(prom, "flywheel_ship_pending_segments") == 0
                    && series(prom, "flywheel_ship_segments_total") >= 2, 30);
            text = Files.readString(prom);
            assertEquals(1, series(prom, "flywheel_ship_last_pass_ok"), text);
            assertEquals(0, series(prom, "flywheel_ship_pending_segments"), text);
            assertEquals(0, series(prom, "flywheel_ship_pending_bytes"), text);
            assertEquals(0, series(prom, "flywheel_ship_oldest_pending_age_seconds"), text);
            assertTrue(series(prom, "flywheel_ship_last_success_timestamp_seconds") >= before, text);
            assertTrue(series(prom, "flywheel_ship_bytes_total") > 0, text);
            assertEquals(unavailable, series(prom, "flywheel_ship_failures_total{class=\"unavailable\"}"), text);
        }
        assertTrue(up.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, up.exitValue(), Files.readString(dir.resolveSibling("err.txt")));
        // status and the metrics file compared once the run has exited: while it runs, a pass every 200 ms rewrites both
        text = Files.readString(prom);
        Map<String, Object> ok = status(dir);
        assertEquals(Instant.parse((String) ok.get("last_ship.last_success")).getEpochSecond(),
                series(prom, "flywheel_ship_last_success_timestamp_seconds"), text);
        assertEquals(null, ok.get("last_ship.error_class"), ok::toString);
        assertEquals(unavailable, ok.get("last_ship.failures_total.unavailable"), ok::toString);
        assertEquals(0L, ok.get("last_ship.pending"), ok::toString);
        assertEquals(0L, ok.get("last_ship.pending_bytes"), ok::toString);
        assertEquals(0.0, ((Number) ok.get("last_ship.oldest_pending_age_seconds")).doubleValue(), ok::toString);
        assertTrue((Long) ok.get("last_ship.shipped_bytes_total") > 0, ok::toString);
    }

    private static Process startRun(String bucket, Path dir, Map<String, String> env, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--dir", dir.toString(), "--ship-every", "200ms",
                "--bucket", bucket, "--roll-bytes", "16KiB", "--keep-shipped", "0"));
        args.addAll(List.of(more));
        return ShipTool.builder(S3, env, args).redirectError(dir.resolveSibling("err.txt").toFile()).start();
    }

    private static void feed(OutputStream in, int count) throws IOException {
        for (int n = 0; n < count; n++) {
            in.write(event(n).getBytes(StandardCharsets.UTF_8));
        }
        in.flush();
    }

    /** The value of one series in a textfile-format file; -1 when the file or the series is not there (yet). */
    private static double series(Path prom, String name) {
        try {
            for (String line : Files.readAllLines(prom)) {
                if (line.startsWith(name + " ")) {
                    return Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static Map<String, Object> status(Path dir) throws Exception {
        Flywheel.Result r = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
        assertEquals(0, r.exit(), r.all());
        return Json.flat(r.stdout());
    }

    /** After a final one-shot ship, every event is in the bucket exactly once and nothing is left locally. */
    private static Set<Integer> shippedExactlyOnce(String bucket, Path dir) throws Exception {
        ShipTool.Result r = ShipTool.run(S3, "ship", "--dir", dir.toString(), "--bucket", bucket, "--keep-shipped", "0");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Segments.sealed(dir).isEmpty(), "all shipped");
        return eventsIn(bucket, dir, false);
    }

    /** Events in the bucket plus those still local (an object may also still be local: an interrupted pass). */
    private static Set<Integer> everyEventOnce(String bucket, Path dir) throws Exception {
        return eventsIn(bucket, dir, true);
    }

    private static Set<Integer> eventsIn(String bucket, Path dir, boolean withLocal) throws Exception {
        List<String> events = new ArrayList<>();
        Set<String> objectNames = new HashSet<>();
        MinioClient c = ShipTool.client(S3);
        for (String key : keys(bucket)) {
            objectNames.add(key.substring(key.lastIndexOf('/') + 1));
            try (InputStream in = c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                    events.add(line);
                }
            }
        }
        for (Segments.Line l : withLocal ? Segments.lines(dir) : List.<Segments.Line>of()) {
            if (!objectNames.contains(l.file().getFileName().toString())) {
                events.add("{\"seq\":" + l.seq() + ",\"event\":" + l.event());
            }
        }
        Set<Integer> ns = new HashSet<>();
        for (String e : events) {
            int i = e.indexOf("\"n\":");
            int n = Integer.parseInt(e.substring(i + 4, e.indexOf(',', i)));
            assertTrue(ns.add(n), "event " + n + " is there twice");
        }
        return ns;
    }

    /** Events in the segments: in-progress files listed before sealed ones, so a seal meanwhile counts once, not never. */
    private static long onDisk(Path dir) throws IOException {
        java.util.Set<String> lines = new java.util.HashSet<>();
        List<Path> files = new ArrayList<>(Segments.open(dir));
        files.addAll(Segments.sealed(dir));
        for (Path f : files) {
            try {
                lines.addAll(Files.readAllLines(f));
            } catch (java.nio.file.NoSuchFileException e) {
                return onDisk(dir);
            }
        }
        return lines.size();
    }

    private static List<String> keys(String bucket) {
        try {
            return ShipTool.keys(S3, bucket);
        } catch (Exception e) {
            return List.of();
        }
    }

    private static void waitUntil(BooleanSupplier cond, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }
}
