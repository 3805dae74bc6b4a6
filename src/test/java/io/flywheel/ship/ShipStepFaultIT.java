package io.flywheel.ship;

import static io.flywheel.testing.ShipTool.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import io.flywheel.testing.ShipTool;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each request of a ship pass failing, one at a time, through the fault seam ({@code FLYWHEEL_SHIP_FAULT}): with no
 * retries the pass reports the failure and keeps the segment; with one retry the same fault costs nothing; and
 * either way the store ends with one verified object per segment, nothing twice, no upload left open.
 */
class ShipStepFaultIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private static final Instant T0 = Instant.parse("2026-11-24T09:31:02.123Z");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "s3-check-bucket, 64MiB",
        "s3-stat, 64MiB",
        "s3-put, 64MiB",
        "s3-list-uploads, 5MiB",
        "s3-create-multipart, 5MiB",
        "s3-upload-part, 5MiB",
        "s3-complete, 5MiB",
    })
    void aFailedRequestIsReportedOrRetriedAndEverySegmentShipsOnce(String step, String partSize) throws Exception {
        String bucket = "fault-" + step;
        Path dir = ShipTool.newDir(bucket);
        List<Path> segs = SegmentFixtures.write(dir, "host-f", 2, 12L << 20, T0); // 3 parts of 5 MiB, or one PUT
        Map<String, String> sha = new TreeMap<>();
        for (Path p : segs) {
            sha.put(p.getFileName().toString(), ShipTool.sha256(p));
        }
        ShipTool.createBucket(S3, bucket);
        Map<String, String> fault = Map.of("FLYWHEEL_SHIP_FAULT", "fail:" + step + ":1");
        String[] ship = {"ship", "--dir", dir.toString(), "--bucket", bucket, "--part-size", partSize, "--parallel", "1"};

        var failed = run(S3, fault, with(ship, "--retries", "0"));
        assertEquals(1, failed.exit(), failed::toString);
        assertTrue(failed.stderr().contains("injected at " + step), failed::toString);
        assertTrue(ShipTool.keys(S3, bucket).size() < 2, "a segment is left for the next pass: " + ShipTool.keys(S3, bucket));

        var retried = run(S3, fault, with(ship, "--retries", "1"));
        assertEquals(0, retried.exit(), retried::toString);
        assertTrue(retried.stdout().contains("\"failed\":0") && retried.stdout().contains("\"pending\":0"), retried::toString);

        List<String> names = ShipTool.verifiedSegmentNames(S3, bucket, sha);
        assertEquals(new ArrayList<>(sha.keySet()), names, "one object per segment");
        assertEquals(List.of(), ShipTool.incompleteUploads(S3, bucket), "no upload left open");
        assertEquals(List.of(), ShipTool.names(dir.resolve("segments")));
    }

    private static String[] with(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }
}
