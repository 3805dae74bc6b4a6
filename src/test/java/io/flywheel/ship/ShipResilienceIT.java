package io.flywheel.ship;

import io.flywheel.testing.ShipTool;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import io.minio.StatObjectArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.flywheel.testing.ShipTool.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Crashes, outages and concurrent shippers, against a real S3 server (S3Proxy over HTTP). */
class ShipResilienceIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private static final Instant T0 = Instant.parse("2026-11-24T09:31:02.123Z");



    @Test
    void killedMidUploadThenShippedAgainGivesExactlyOneObjectPerSegment() throws Exception {
        Path dir = ShipTool.newDir("kill");
        List<Path> segs = SegmentFixtures.write(dir, "host-k", 3, 30L << 20, T0);
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        ShipTool.createBucket(S3, "kill");
        // SIGKILL as the second segment's upload starts, the first one shipped: held there by the fault seam
        killAt(dir, "hold:s3-create-multipart:2", "ship", "--dir", dir.toString(), "--bucket", "kill",
                "--part-size", "8MiB", "--parallel", "1");
        assertEquals(1, ShipTool.keys(S3, "kill").size(), "killed mid-way: one object of three");

        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "kill", "--part-size", "8MiB");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\"failed\":0") && r.stdout().contains("\"pending\":0"), r::toString);

        List<String> keys = ShipTool.keys(S3, "kill");
        assertEquals(3, keys.size(), keys::toString);
        List<String> shippedNames = ShipTool.verifiedSegmentNames(S3, "kill", sha);
        assertEquals(new ArrayList<>(sha.keySet()), shippedNames);
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")));
        assertEquals(new ArrayList<>(sha.keySet()), ShipTool.names(dir.resolve("shipped")));
    }

    /**
     * SIGKILL at chosen requests of a pass, each the edge of a window where the store and the directory disagree: the
     * next pass ships every segment once, takes an object the killed pass stored but never verified as already there
     * (verified now, not uploaded again), and leaves no upload open. Two segments, {@code --parallel 1}, no seal
     * records: each segment is list-uploads, stat, put (or create, parts, complete), stat.
     */
    @ParameterizedTest(name = "{0} with {1} parts")
    @CsvSource({
        "hold:s3-put:1, 64MiB, 0, 2, 0",            // the first PUT about to go: nothing stored
        "hold:s3-stat:2, 64MiB, 1, 1, 1",           // the first object stored, not verified, still in segments/
        "hold:s3-list-uploads:2, 64MiB, 1, 1, 0",   // the first shipped and moved to shipped/, the second not begun
        "hold:s3-complete:1, 5MiB, 0, 2, 0",        // every part of the first upload sent, not completed: open upload
        "hold:s3-stat:2, 5MiB, 1, 1, 1",            // the first multipart object completed, not verified
    })
    void killedAtAStepThenShippedAgainShipsEachSegmentOnce(String fault, String partSize, int storedWhenKilled,
            int shippedAfter, int presentAfter) throws Exception {
        String bucket = "kill-" + fault.replace(':', '-') + "-" + partSize.toLowerCase();
        Path dir = ShipTool.newDir(bucket);
        List<Path> segs = SegmentFixtures.write(dir, "host-s", 2, 12L << 20, T0);
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        ShipTool.createBucket(S3, bucket);
        String[] ship = {"ship", "--dir", dir.toString(), "--bucket", bucket, "--part-size", partSize, "--parallel", "1"};
        killAt(dir, fault, ship);
        assertEquals(storedWhenKilled, ShipTool.keys(S3, bucket).size(), "objects when killed");
        if (fault.contains("s3-complete")) {
            assertEquals(1, ShipTool.incompleteUploads(S3, bucket).size(), "killed with an upload open");
        }

        var r = run(S3, ship);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\"shipped\":" + shippedAfter + ",\"already_present\":" + presentAfter + ",\"failed\":0"),
                r::toString);
        assertTrue(r.stdout().contains("\"pending\":0"), r::toString);
        List<String> names = ShipTool.verifiedSegmentNames(S3, bucket, sha);
        assertEquals(new ArrayList<>(sha.keySet()), names, "one object per segment");
        assertEquals(List.of(), ShipTool.incompleteUploads(S3, bucket), "no upload left open");
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")));
        assertEquals(new ArrayList<>(sha.keySet()), ShipTool.names(dir.resolve("shipped")));
    }

    /**
     * SIGKILL between the local steps after a verified upload ({@code FLYWHEEL_FAULT=hold:shipped-move} or
     * {@code shipped-record}): the segment not moved yet, moved without its seal record, or (with
     * {@code --keep-shipped 0}) deleted by halves. The next pass ships each segment once and leaves nothing in
     * {@code segments/}; kept copies have their records, so {@code flywheel verify} checks them. A record used to stay
     * in {@code segments/} for good, its shipped segment unchecked.
     */
    @ParameterizedTest(name = "{0}, keep-shipped {1}")
    @CsvSource({
        "hold:shipped-move:1, 7d, 1, 1",    // verified, not moved yet: the object is found there
        "hold:shipped-record:1, 7d, 1, 0",  // moved, its record not yet: the next pass moves the record
        "hold:shipped-record:1, 0, 1, 1",   // nothing deleted yet
        "hold:shipped-move:1, 0, 1, 1",     // the record deleted, the segment not yet: read and found there
    })
    void killedBetweenTheLocalStepsAfterAVerifiedUploadLeavesNothingBehind(String fault, String keep, int shippedAfter,
            int presentAfter) throws Exception {
        String bucket = "kill-" + fault.replace(':', '-') + "-keep" + keep;
        Path dir = ShipTool.newDir(bucket);
        List<Path> segs = SegmentFixtures.write(dir, "host-l", 2, 2L << 20, T0);
        SegmentFixtures.sealRecords(dir);
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        ShipTool.createBucket(S3, bucket);
        String[] ship = {"ship", "--dir", dir.toString(), "--bucket", bucket, "--parallel", "1", "--keep-shipped", keep};
        killAtThrough(dir, "FLYWHEEL_FAULT", fault, ship);
        assertEquals(1, ShipTool.keys(S3, bucket).size(), "killed after the first object was verified");

        var r = run(S3, ship);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\"shipped\":" + shippedAfter + ",\"already_present\":" + presentAfter + ",\"failed\":0"),
                r::toString);
        List<String> names = ShipTool.verifiedSegmentNames(S3, bucket, sha);
        assertEquals(new ArrayList<>(sha.keySet()), names, "one object per segment");
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")), "nothing left in segments/");
        List<String> kept = new ArrayList<>();
        if (!keep.equals("0")) {
            for (String seg : sha.keySet()) {
                kept.add(seg);
                kept.add(seg + ".seal");
            }
        }
        assertEquals(kept, ShipTool.names(dir.resolve("shipped")));
        var v = run(S3, "verify", "--dir", dir.toString());
        assertEquals(0, v.exit(), v::toString);
        assertFalse(v.stdout().contains("NOTE"), "every kept segment is checked against its record: " + v.stdout());
    }

    @Test
    void killedMidMultipartThenShippedAgainLeavesOneCompleteObjectPerSegmentAndNoIncompleteUpload() throws Exception {
        Path dir = ShipTool.newDir("kill-mpu");
        List<Path> segs = SegmentFixtures.write(dir, "host-mpu", 3, 30L << 20, T0);
        SegmentFixtures.sealRecords(dir); // as the journal seals: hashing and uploading overlap
        Map<String, String> sha = new TreeMap<>();
        Map<String, Long> parts = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
            parts.put(p.getFileName().toString(), (Files.size(p) + (5L << 20) - 1) / (5L << 20));
        }
        String bucket = "kill-mpu";
        ShipTool.createBucket(S3, bucket);
        List<String> args = List.of("ship", "--dir", dir.toString(), "--bucket", bucket, "--part-size", "5MiB",
                "--prefix", "fw");
        // SIGKILL while a multipart upload is open on the server (its second part held by the fault seam): no
        // finally block, no abort, nothing to clean up
        List<String> killed = new ArrayList<>(args);
        killed.addAll(List.of("--parallel", "1"));
        killAt(dir, "hold:s3-upload-part:2", killed.toArray(new String[0]));
        assertEquals(1, ShipTool.incompleteUploads(S3, bucket).size(), "killed with an upload open");
        assertEquals(List.of(), ShipTool.keys(S3, bucket), "killed before the first object was complete");

        var r = run(S3, args.toArray(new String[0]));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("\"failed\":0") && r.stdout().contains("\"pending\":0"), r::toString);

        assertEquals(List.of(), ShipTool.incompleteUploads(S3, bucket), "no incomplete upload left on the server");
        List<String> keys = ShipTool.keys(S3, bucket);
        assertEquals(3, keys.size(), keys::toString);
        List<String> shippedNames = new ArrayList<>();
        for (String k : keys) {
            String name = k.substring(k.lastIndexOf('/') + 1);
            shippedNames.add(name);
            assertEquals(sha.get(name), ShipTool.objectSha256(S3, bucket, k, false), k);
            String etag = ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket(bucket).object(k).build()).etag();
            assertTrue(etag.replace("\"", "").endsWith("-" + parts.get(name)), "one complete multipart object: " + k + " " + etag);
        }
        assertEquals(new ArrayList<>(sha.keySet()), shippedNames);
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")));
    }

    @Test
    void serverDownKeepsBacklogThenShipsWhenBack() throws Exception {
        Path dir = ShipTool.newDir("outage");
        SegmentFixtures.write(dir, "host-o", 3, 50_000, T0);
        List<String> local = ShipTool.names(dir.resolve("segments"));
        ShipTool.createBucket(S3, "outage");
        S3.stop();
        try {
            long t0 = System.nanoTime();
            var down = run(S3, "ship", "--dir", dir.toString(), "--bucket", "outage", "--retries", "2");
            double secs = (System.nanoTime() - t0) / 1e9;
            assertEquals(1, down.exit(), down::toString);
            assertTrue(secs < 15, "bounded: " + secs + " s");
            assertEquals("{\"shipped\":0,\"already_present\":0,\"failed\":0,\"bytes\":0,\"pending\":3}", down.stdout());
            assertTrue(down.stderr().contains("cannot connect to " + S3.endpoint()), down::toString);
            assertTrue(down.stderr().contains("gave up after 3 attempts"), down::toString);
            assertFalse(down.stderr().contains("\tat "), "no stack trace without --verbose");
            assertEquals(local, ShipTool.names(dir.resolve("segments")));
        } finally {
            S3.start();
        }
        var up = run(S3, "ship", "--dir", dir.toString(), "--bucket", "outage");
        assertEquals(0, up.exit(), up::toString);
        assertTrue(up.stdout().startsWith("{\"shipped\":3,\"already_present\":0,\"failed\":0,"), up::toString);
        assertEquals(3, ShipTool.keys(S3, "outage").size());
        var again = run(S3, "ship", "--dir", dir.toString(), "--bucket", "outage");
        assertEquals(0, again.exit(), again::toString);
        assertEquals("{\"shipped\":0,\"already_present\":0,\"failed\":0,\"bytes\":0,\"pending\":0}", again.stdout());
        assertEquals(3, ShipTool.keys(S3, "outage").size());
    }

    @Test
    void anotherShipperHoldingTheLockMeansNothingToDo() throws Exception {
        Path dir = ShipTool.newDir("lock");
        SegmentFixtures.write(dir, "host-l", 2, 10_000, T0);
        ShipTool.createBucket(S3, "locked");
        try (FileChannel ch = FileChannel.open(dir.resolve("ship.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = ch.tryLock()) {
            assertNotNull(lock);
            var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "locked");
            assertEquals(0, r.exit(), r::toString);
            assertEquals("{\"shipped\":0,\"already_present\":0,\"failed\":0,\"bytes\":0,\"pending\":2}", r.stdout());
            assertTrue(r.stderr().contains("another shipper holds"), r::toString);
        }
        assertEquals(List.of(), ShipTool.keys(S3, "locked"));
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "locked");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(2, ShipTool.keys(S3, "locked").size());
    }

    /** Starts a {@code flywheel} command with a ship fault that holds a step, and SIGKILLs it once it holds there. */
    private static Process killAt(Path dir, String fault, String... args) throws Exception {
        return killAtThrough(dir, "FLYWHEEL_SHIP_FAULT", fault, args);
    }

    /** The same through another seam: {@code FLYWHEEL_FAULT} holds the local steps of shipping. */
    private static Process killAtThrough(Path dir, String env, String fault, String... args) throws Exception {
        Path err = dir.resolveSibling(dir.getFileName() + "-killed.err");
        Process p = ShipTool.builder(S3, Map.of(env, fault), List.of(args))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        String step = fault.split(":")[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(err).contains("flywheel: fault: holding at " + step)) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "held at " + step + ": " + Files.readString(err));
            Thread.sleep(20);
        }
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return p;
    }
}
