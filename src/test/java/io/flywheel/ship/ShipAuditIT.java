package io.flywheel.ship;

import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import io.flywheel.testing.ShipTool;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

    /** How the seal record of the rotted segment lets the shipper find the damage. */
    enum SealedWith {
        /** no part MD5s (an older record), larger than the part size: hashed while its parts are uploaded */
        SHA256_ONLY(0, List.of("--part-size", "5MiB"), "-2"),
        /** MD5s of the 5 MiB parts it is uploaded in: nothing is read before sending, the server refuses a part */
        PART_MD5S(5L << 20, List.of("--part-size", "5MiB"), "-2"),
        /** the MD5 of the whole segment, one PUT at the default part size: the server refuses the PUT */
        WHOLE_MD5(128L << 20, List.of(), "");

        final long md5PartSize;
        final List<String> shipArgs;
        final String etagSuffix;

        SealedWith(long md5PartSize, List<String> shipArgs, String etagSuffix) {
            this.md5PartSize = md5PartSize;
            this.shipArgs = shipArgs;
            this.etagSuffix = etagSuffix;
        }

        /** {@code ship} of {@code dir} into {@code bucket}, deleting what went, with this case's part size. */
        String[] shipArgs(Path dir, String bucket) {
            List<String> args = new java.util.ArrayList<>(List.of("ship", "--dir", dir.toString(), "--bucket", bucket,
                    "--keep-shipped", "0"));
            args.addAll(shipArgs);
            return args.toArray(String[]::new);
        }
    }

    @ParameterizedTest
    @EnumSource(SealedWith.class)
    void aSegmentCorruptedAfterSealingIsRefusedByShipAndReportedByVerify(SealedWith sealedWith) throws Exception {
        String bucket = "rot-" + sealedWith.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Path dir = ShipTool.newDir(bucket);
        List<Path> segs = SegmentFixtures.write(dir, "host-r", 2, 6L << 20, T0);
        SegmentFixtures.sealRecords(dir, sealedWith.md5PartSize);
        try (RandomAccessFile f = new RandomAccessFile(segs.get(0).toFile(), "rw")) {
            f.seek(10_000);
            int b = f.read();
            f.seek(10_000);
            f.write(b ^ 0x01); // one flipped bit, same length
        }
        ShipTool.createBucket(S3, bucket);
        var r = run(S3, sealedWith.shipArgs(dir, bucket));
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("refusing to ship") && r.stderr().contains("changed since sealing"), r::toString);
        // with part checksums in the record the damage is found by the send itself, which is cut short; without,
        // by the read that hashes the segment
        assertTrue(r.stderr().contains(sealedWith.md5PartSize > 0 ? "has crc32c" : "sha256"), r::toString);
        assertEquals(List.of("2026/11/30/host-r/" + segs.get(1).getFileName()), ShipTool.keys(S3, bucket),
                "the intact segment went");
        assertEquals(List.of(), ShipTool.incompleteUploads(S3, bucket), "the damaged one's upload was aborted");
        String etag = ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket(bucket)
                .object(ShipTool.keys(S3, bucket).get(0)).build()).etag().replace("\"", "");
        assertEquals(sealedWith.etagSuffix.isEmpty() ? -1 : etag.length() - 2, etag.indexOf('-'), etag);
        assertTrue(etag.endsWith(sealedWith.etagSuffix), etag);
        var v = io.flywheel.testing.Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(1, v.exit(), v.all());
        assertTrue(v.stdout().contains("bytes changed since sealing"), v.all());

        String prom = Files.readString(dir.resolve("ship.prom"));
        assertTrue(prom.contains("flywheel_ship_failures_total{class=\"corrupt\"} 1"), prom);
        assertTrue(prom.contains("flywheel_ship_segments_total 1"), prom);
        assertTrue(prom.contains("flywheel_ship_pending_segments 1"), prom);
    }

    @ParameterizedTest
    @EnumSource(value = SealedWith.class, names = {"PART_MD5S", "WHOLE_MD5"})
    void aDamagedMd5InTheSealRecordCostsARereadNotTheSegment(SealedWith sealedWith) throws Exception {
        String bucket = "md5-" + sealedWith.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Path dir = ShipTool.newDir(bucket);
        List<Path> segs = SegmentFixtures.write(dir, "host-d", 1, 6L << 20, T0);
        SegmentFixtures.sealRecords(dir, sealedWith.md5PartSize);
        Path record = io.flywheel.journal.SealRecord.pathFor(segs.get(0));
        String text = Files.readString(record);
        int at = text.indexOf("\"md5_parts\":[\"") + "\"md5_parts\":[\"".length();
        char c = text.charAt(at);
        Files.writeString(record, text.substring(0, at) + (c == '0' ? '1' : '0') + text.substring(at + 1));
        ShipTool.createBucket(S3, bucket);
        var r = run(S3, sealedWith.shipArgs(dir, bucket));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("checking " + segs.get(0).getFileName() + " against its seal record"),
                r::toString);
        assertEquals(List.of("2026/11/30/host-d/" + segs.get(0).getFileName()), ShipTool.keys(S3, bucket));
        assertEquals(List.of(), ShipTool.incompleteUploads(S3, bucket));
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
