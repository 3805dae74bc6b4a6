package io.flywheel.ship;

import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import io.flywheel.testing.ShipTool;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.flywheel.testing.ShipTool.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 10: multipart objects conditional and verified, seal-time checksums enforced, metrics, key format. */
class ShipAuditIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private static final Instant T0 = Instant.parse("2026-11-30T17:05:00Z");

    @Test
    void aMultipartSegmentNeverOverwritesADifferentObjectAndIsDoneWhenTheSameIsThere() throws Exception {
        Path dir = ShipTool.newDir("mpart");
        // 12 MiB in 5 MiB parts: three parts, so the upload is multipart
        List<Path> segs = SegmentFixtures.write(dir, "host-m", 1, 12L << 20, T0);
        ShipTool.createBucket(S3, "mpart");
        String name = segs.get(0).getFileName().toString();
        String key = "2026/11/30/host-m/" + name;
        byte[] other = "{\"not\":\"this segment\"}\n".getBytes();
        ShipTool.client(S3).putObject(PutObjectArgs.builder().bucket("mpart").object(key)
                .stream(new ByteArrayInputStream(other), other.length, -1).build());
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "mpart", "--part-size", "5MiB", "--keep-shipped", "0");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("different object already exists"), r::toString);
        assertEquals(other.length, ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket("mpart").object(key).build()).size());
        assertEquals(List.of(name), ShipTool.names(dir.resolve("segments")));

        // the same content uploaded elsewhere first (another shipper) counts as done, ETag computed locally
        ShipTool.client(S3).removeObject(io.minio.RemoveObjectArgs.builder().bucket("mpart").object(key).build());
        var first = run(S3, "ship", "--dir", dir.toString(), "--bucket", "mpart", "--part-size", "5MiB", "--keep-shipped", "1d");
        assertEquals(0, first.exit(), first::toString);
        String etag = ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket("mpart").object(key).build()).etag();
        assertTrue(etag.replace("\"", "").endsWith("-3"), etag);
        Files.move(dir.resolve("shipped").resolve(name), dir.resolve("segments").resolve(name));
        var again = run(S3, "ship", "--dir", dir.toString(), "--bucket", "mpart", "--part-size", "5MiB", "--keep-shipped", "0");
        assertEquals(0, again.exit(), again::toString);
        assertEquals("{\"shipped\":0,\"already_present\":1,\"failed\":0,\"bytes\":0,\"pending\":0}", again.stdout());
    }

    @Test
    void aSegmentCorruptedAfterSealingIsRefusedByShipAndReportedByVerify() throws Exception {
        Path dir = ShipTool.newDir("rot");
        // larger than the part size: hashed while it is uploaded, so the damage is found after parts went up
        List<Path> segs = SegmentFixtures.write(dir, "host-r", 2, 6L << 20, T0);
        SegmentFixtures.sealRecords(dir);
        try (RandomAccessFile f = new RandomAccessFile(segs.get(0).toFile(), "rw")) {
            f.seek(10_000);
            int b = f.read();
            f.seek(10_000);
            f.write(b ^ 0x01); // one flipped bit, same length
        }
        ShipTool.createBucket(S3, "rot");
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "rot", "--keep-shipped", "0", "--part-size", "5MiB");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("refusing to ship") && r.stderr().contains("changed since sealing"), r::toString);
        assertEquals(List.of("2026/11/30/host-r/" + segs.get(1).getFileName()), ShipTool.keys(S3, "rot"),
                "the intact segment went");
        assertEquals(List.of(), ShipTool.incompleteUploads(S3, "rot"), "the damaged one's upload was aborted");
        String etag = ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket("rot")
                .object(ShipTool.keys(S3, "rot").get(0)).build()).etag();
        assertTrue(etag.replace("\"", "").endsWith("-2"), etag);
        var v = io.flywheel.testing.Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(1, v.exit(), v.all());
        assertTrue(v.stdout().contains("bytes changed since sealing"), v.all());

        String prom = Files.readString(dir.resolve("ship.prom"));
        assertTrue(prom.contains("flywheel_ship_failures_total{class=\"corrupt\"} 1"), prom);
        assertTrue(prom.contains("flywheel_ship_segments_total 1"), prom);
        assertTrue(prom.contains("flywheel_ship_pending_segments 1"), prom);
    }

    @Test
    void metricsAfterWrongCredentialsAndWithTheServerDown() throws Exception {
        Path dir = ShipTool.newDir("metrics");
        SegmentFixtures.write(dir, "host-x", 1, 10_000, T0);
        ShipTool.createBucket(S3, "metrics");
        var bad = run(S3, Map.of("MINIO_SECRET_KEY", "wrong-secret"), "ship", "--dir", dir.toString(), "--bucket", "metrics");
        assertEquals(2, bad.exit(), bad::toString);
        String prom = Files.readString(dir.resolve("ship.prom"));
        assertTrue(prom.contains("flywheel_ship_failures_total{class=\"credentials\"} 1"), prom);
        assertTrue(prom.contains("flywheel_ship_last_pass_ok 0"), prom);
        assertTrue(prom.contains("flywheel_ship_last_success_timestamp_seconds 0"), prom);
        var down = run(S3, Map.of("MINIO_ENDPOINT", "http://127.0.0.1:9"), "ship", "--dir", dir.toString(),
                "--bucket", "metrics", "--retries", "0");
        assertEquals(1, down.exit(), down::toString);
        prom = Files.readString(dir.resolve("ship.prom"));
        assertTrue(prom.contains("flywheel_ship_failures_total{class=\"unavailable\"} 1"), prom);
        assertTrue(prom.contains("flywheel_ship_pending_segments 1"), prom);
        var noScheme = run(S3, Map.of("MINIO_ENDPOINT", "127.0.0.1:9000"), "ship", "--dir", dir.toString(), "--bucket", "metrics");
        assertEquals(2, noScheme.exit(), noScheme::toString);
        assertTrue(noScheme.stderr().contains("has no scheme: write http://127.0.0.1:9000"), noScheme::toString);
        var ok = run(S3, "ship", "--dir", dir.toString(), "--bucket", "metrics", "--key-format", "hive");
        assertEquals(0, ok.exit(), ok::toString);
        prom = Files.readString(dir.resolve("ship.prom"));
        assertTrue(prom.contains("flywheel_ship_last_pass_ok 1"), prom);
        assertTrue(prom.contains("flywheel_ship_pending_segments 0"), prom);
        assertTrue(ShipTool.keys(S3, "metrics").get(0).startsWith("dt=2026-11-30/hour=17/host=host-x/"),
                ShipTool.keys(S3, "metrics").toString());
        var collide = run(S3, "ship", "--dir", dir.toString(), "--bucket", "metrics", "--key-format", "{host}/{yyyy}");
        assertEquals(2, collide.exit(), collide::toString);
        assertTrue(collide.stderr().contains("could give two segments the same key"), collide::toString);
    }

    @Test
    void hiveKeysListAsPartitionsTheWayAwsS3LsShowsThem() throws Exception {
        Path dir = ShipTool.newDir("hive");
        // first events at 22:30, 23:30 and 00:30 UTC: two days, three hours
        List<Path> segs = SegmentFixtures.write(dir, "host-h", 3, 4_000, Instant.parse("2026-11-30T22:30:00Z"));
        ShipTool.createBucket(S3, "hive");
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "hive", "--prefix", "lake", "--key-format", "hive");
        assertEquals(0, r.exit(), r::toString);

        assertEquals(List.of("lake/"), ShipTool.ls(S3, "hive", ""));
        assertEquals(List.of("lake/dt=2026-11-30/", "lake/dt=2026-12-01/"), ShipTool.ls(S3, "hive", "lake/"));
        assertEquals(List.of("lake/dt=2026-11-30/hour=22/", "lake/dt=2026-11-30/hour=23/"),
                ShipTool.ls(S3, "hive", "lake/dt=2026-11-30/"));
        assertEquals(List.of("lake/dt=2026-12-01/hour=00/"), ShipTool.ls(S3, "hive", "lake/dt=2026-12-01/"));
        assertEquals(List.of("lake/dt=2026-12-01/hour=00/host=host-h/"),
                ShipTool.ls(S3, "hive", "lake/dt=2026-12-01/hour=00/"));
        assertEquals(List.of("lake/dt=2026-12-01/hour=00/host=host-h/" + segs.get(2).getFileName()),
                ShipTool.ls(S3, "hive", "lake/dt=2026-12-01/hour=00/host=host-h/"));
        assertEquals(List.of("lake/dt=2026-11-30/hour=22/host=host-h/" + segs.get(0).getFileName(),
                        "lake/dt=2026-11-30/hour=23/host=host-h/" + segs.get(1).getFileName(),
                        "lake/dt=2026-12-01/hour=00/host=host-h/" + segs.get(2).getFileName()),
                ShipTool.keys(S3, "hive"));
    }
}
