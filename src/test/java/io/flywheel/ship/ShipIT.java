package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.SegmentName;
import io.flywheel.testing.ShipTool;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static io.flywheel.testing.ShipTool.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end: the real flywheel executable against a real S3 server (S3Proxy over HTTP). */
class ShipIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private static final Instant T0 = Instant.parse("2026-11-24T23:30:02.123Z");



    private static Map<String, String> lower(Map<String, String> meta) {
        Map<String, String> m = new TreeMap<>();
        meta.forEach((k, v) -> m.put(k.toLowerCase(Locale.ROOT), v));
        return m;
    }

    @Test
    void shipsVerifiedObjectsAndMovesSegmentsToShipped() throws Exception {
        Path dir = ShipTool.newDir("plain");
        List<Path> segs = SegmentFixtures.write(dir, "host-a", 3, 200_000, T0);
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        // an open segment must never be shipped
        Path open = dir.resolve("segments").resolve(SegmentName.parse(segs.get(2).getFileName().toString()).orElseThrow()
                .openFileName().replace("0000000", "0000009"));
        Files.writeString(open, "{\"seq\":999999,\"ts\":\"2026-11-25T00:00:00.000Z\",\"src\":\"stdin\",\"event\":{}}\n");

        long total = 0;
        for (Path p : segs) {
            total += Files.size(p);
        }
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "plain", "--prefix", "/fw/", "--create-bucket");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("{\"shipped\":3,\"already_present\":0,\"failed\":0,\"bytes\":" + total + ",\"pending\":0}",
                r.stdout());
        assertTrue(r.stderr().contains("3 shipped"), r::toString);

        List<String> keys = ShipTool.keys(S3, "plain");
        List<String> expected = new ArrayList<>();
        for (String name : sha.keySet()) {
            SegmentName n = SegmentName.parse(name).orElseThrow();
            String day = n.firstEventTime().toString().substring(0, 10).replace('-', '/');
            expected.add("fw/" + day + "/host-a/" + name);
        }
        expected.sort(null);
        assertEquals(expected, keys);
        assertTrue(keys.get(0).startsWith("fw/2026/11/24/host-a/"), keys::toString);
        assertTrue(keys.get(2).startsWith("fw/2026/11/25/host-a/"), "UTC date of the first event: " + keys);

        var client = ShipTool.client(S3);
        for (String key : keys) {
            String name = key.substring(key.lastIndexOf('/') + 1);
            assertEquals(sha.get(name), ShipTool.objectSha256(S3, "plain", key, false), key);
            StatObjectResponse st = client.statObject(StatObjectArgs.builder().bucket("plain").object(key).build());
            assertEquals("application/x-ndjson", st.contentType());
            Map<String, String> meta = lower(st.userMetadata());
            assertEquals(sha.get(name), meta.get("sha256"));
            assertEquals("host-a", meta.get("host"));
            Path shipped = dir.resolve("shipped").resolve(name);
            List<String> lines = Files.readAllLines(shipped);
            assertEquals(Integer.toString(lines.size()), meta.get("events"));
            assertEquals(Long.toString(SegmentName.parse(name).orElseThrow().firstSeq()), meta.get("first-seq"));
            String lastLine = lines.get(lines.size() - 1);
            assertEquals(lastLine.substring(7, lastLine.indexOf(',')), meta.get("last-seq"));
        }
        assertEquals(List.of(open.getFileName().toString()), ShipTool.names(dir.resolve("segments")));
        assertEquals(new ArrayList<>(sha.keySet()), ShipTool.names(dir.resolve("shipped")));

        // nothing new: a second pass does nothing and succeeds
        var again = run(S3, "ship", "--dir", dir.toString(), "--bucket", "plain", "--prefix", "fw");
        assertEquals(0, again.exit(), again::toString);
        assertEquals("{\"shipped\":0,\"already_present\":0,\"failed\":0,\"bytes\":0,\"pending\":0}", again.stdout());
    }

    @Test
    void gzipWithKeepShippedZeroDeletesLocalCopies() throws Exception {
        Path dir = ShipTool.newDir("gzip");
        List<Path> segs = SegmentFixtures.write(dir, "host-gz", 2, 300_000, T0);
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        long smallest = Math.min(Files.size(segs.get(0)), Files.size(segs.get(1)));
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "gzipped", "--compress", "gzip",
                "--keep-shipped", "0", "--create-bucket");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("{\"shipped\":2,"), r::toString);
        List<String> keys = ShipTool.keys(S3, "gzipped");
        assertEquals(2, keys.size());
        for (String key : keys) {
            assertTrue(key.endsWith(".jsonl.gz") && key.startsWith("2026/"), key);
            String name = key.substring(key.lastIndexOf('/') + 1, key.length() - 3);
            assertEquals(sha.get(name), ShipTool.objectSha256(S3, "gzipped", key, true), key);
            StatObjectResponse st = ShipTool.client(S3).statObject(StatObjectArgs.builder().bucket("gzipped").object(key).build());
            assertTrue(st.size() < smallest / 2, "compressed");
            assertEquals(sha.get(name), lower(st.userMetadata()).get("sha256"));
        }
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")));
        assertEquals(List.of(), ShipTool.names(dir.resolve("shipped")));

        // DIR/ship.state remembers the pass for flywheel status, also after the local copies are gone
        var status = io.flywheel.testing.Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
        assertEquals(0, status.exit(), status.all());
        Map<String, Object> j = io.flywheel.testing.Json.flat(status.stdout());
        assertEquals(2L, j.get("segments.shipped"), status.stdout());
        assertEquals(0L, j.get("segments.sealed"), status.stdout());
        assertEquals(2L, j.get("last_ship.shipped"), status.stdout());
        assertEquals(0L, j.get("last_ship.pending"), status.stdout());
        assertEquals(null, j.get("last_ship.error"), status.stdout());
        assertEquals(0L, j.get("backlog_bytes"), status.stdout());
    }

    @Test
    void wrongSecretFailsClearlyAndKeepsEverything() throws Exception {
        Path dir = ShipTool.newDir("secret");
        SegmentFixtures.write(dir, "host-s", 2, 10_000, T0);
        ShipTool.createBucket(S3, "secret");
        List<String> before = ShipTool.names(dir.resolve("segments"));
        long t0 = System.nanoTime();
        var r = run(S3, Map.of("MINIO_SECRET_KEY", "not-the-secret"), "ship", "--dir", dir.toString(), "--bucket", "secret");
        assertEquals(2, r.exit(), r::toString); // bad configuration, as README documents
        assertTrue((System.nanoTime() - t0) / 1e9 < 15, "no retry loop");
        assertTrue(r.stderr().contains("rejected the credentials"), r::toString);
        assertTrue(r.stderr().contains("SignatureDoesNotMatch"), r::toString);
        assertFalse(r.stderr().contains("not-the-secret"), "secret never printed");
        assertFalse(r.stderr().contains("\tat "), "no stack trace without --verbose");
        assertEquals("{\"shipped\":0,\"already_present\":0,\"failed\":0,\"bytes\":0,\"pending\":2}", r.stdout());
        assertEquals(before, ShipTool.names(dir.resolve("segments")));
        assertEquals(List.of(), ShipTool.keys(S3, "secret"));

        var wrongKey = run(S3, Map.of("MINIO_ACCESS_KEY", "nobody"), "ship", "--dir", dir.toString(), "--bucket", "secret");
        assertEquals(2, wrongKey.exit(), wrongKey::toString);
        assertTrue(wrongKey.stderr().contains("InvalidAccessKeyId"), wrongKey::toString);
        assertEquals(before, ShipTool.names(dir.resolve("segments")));

        var status = io.flywheel.testing.Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
        Map<String, Object> j = io.flywheel.testing.Json.flat(status.stdout());
        assertTrue(String.valueOf(j.get("last_ship.error")).contains("InvalidAccessKeyId"), status.stdout());
        assertEquals(2L, j.get("last_ship.pending"), status.stdout());
        assertEquals(2L, j.get("segments.sealed"), status.stdout());
        assertEquals(null, j.get("last_ship.last_success"), status.stdout());
    }

    @Test
    void missingBucketIsAnErrorWithoutCreateBucket() throws Exception {
        Path dir = ShipTool.newDir("nobucket");
        SegmentFixtures.write(dir, "host-n", 1, 10_000, T0);
        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "does-not-exist");
        assertEquals(2, r.exit(), r::toString);
        assertTrue(r.stderr().contains("bucket 'does-not-exist' does not exist") && r.stderr().contains("--create-bucket"),
                r::toString);
        assertEquals(1, ShipTool.names(dir.resolve("segments")).size());
    }

    @Test
    void twoHostsNeverCollide() throws Exception {
        // same instance id and same segment names on purpose: only the host id tells them apart
        Path a = ShipTool.newDir("host-a");
        Path b = ShipTool.newDir("host-b");
        SegmentFixtures.write(a, "x", 2, 20_000, T0, "A");
        Files.createDirectories(b);
        Files.copy(a.resolve(DataDir.IDENTITY_FILE), b.resolve(DataDir.IDENTITY_FILE));
        SegmentFixtures.write(b, "x", 2, 20_000, T0, "B");
        assertEquals(ShipTool.names(a.resolve("segments")), ShipTool.names(b.resolve("segments")));
        ShipTool.createBucket(S3, "hosts");
        var ra = run(S3, "ship", "--dir", a.toString(), "--bucket", "hosts", "--host-id", "Agent-Box-1");
        var rb = run(S3, "ship", "--dir", b.toString(), "--bucket", "hosts", "--host-id", "agent-box-2");
        assertEquals(0, ra.exit(), ra::toString);
        assertEquals(0, rb.exit(), rb::toString);
        assertTrue(ra.stdout().startsWith("{\"shipped\":2,") && rb.stdout().startsWith("{\"shipped\":2,"));
        List<String> keys = ShipTool.keys(S3, "hosts");
        assertEquals(4, keys.size(), keys::toString);
        assertEquals(2, keys.stream().filter(k -> k.contains("/agent-box-1/")).count(), keys::toString);
        assertEquals(2, keys.stream().filter(k -> k.contains("/agent-box-2/")).count(), keys::toString);
        for (String k : keys) {
            Path dir = k.contains("/agent-box-1/") ? a : b;
            String name = k.substring(k.lastIndexOf('/') + 1);
            assertEquals(ShipTool.sha256(dir.resolve("shipped").resolve(name)), ShipTool.objectSha256(S3, "hosts", k, false));
        }
    }

    @Test
    void differentObjectAtKeyIsNeverOverwritten() throws Exception {
        Path dir = ShipTool.newDir("conflict");
        List<Path> segs = SegmentFixtures.write(dir, "host-c", 2, 20_000, T0);
        ShipTool.createBucket(S3, "conflict");
        String victim = segs.get(0).getFileName().toString();
        String key = ObjectKeys.key("", "host-c", SegmentName.parse(victim).orElseThrow(), Compression.NONE);
        byte[] other = "{\"seq\":1,\"ts\":\"2026-11-24T23:30:02.123Z\",\"src\":\"x\",\"event\":{\"other\":true}}\n"
                .getBytes(StandardCharsets.UTF_8);
        ShipTool.client(S3).putObject(PutObjectArgs.builder().bucket("conflict").object(key)
                .stream(new ByteArrayInputStream(other), other.length, -1).build());

        var r = run(S3, "ship", "--dir", dir.toString(), "--bucket", "conflict");
        assertEquals(1, r.exit(), r::toString);
        assertEquals("{\"shipped\":1,\"already_present\":0,\"failed\":1,\"bytes\":" + Files.size(dir.resolve("shipped")
                .resolve(segs.get(1).getFileName())) + ",\"pending\":1}", r.stdout());
        assertTrue(r.stderr().contains("a different object already exists at s3://conflict/" + key), r::toString);
        assertEquals(List.of(victim), ShipTool.names(dir.resolve("segments")));
        try (var in = ShipTool.client(S3).getObject(io.minio.GetObjectArgs.builder().bucket("conflict").object(key).build())) {
            assertEquals(new String(other, StandardCharsets.UTF_8), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertNotEquals(ShipTool.sha256(segs.get(0)), ShipTool.objectSha256(S3, "conflict", key, false));
    }
}
