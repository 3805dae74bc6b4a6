package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.testing.ShipTool;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.SegmentFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process API the run command uses, against a real S3Proxy. */
class BackgroundShipperTest {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    @Test
    void backgroundShipperShipsAndRecordsErrorsWithoutThrowing() throws Exception {
        Path root = Path.of("target", "ship-unit", "bg-" + System.nanoTime()).toAbsolutePath();
        List<Path> segs = SegmentFixtures.write(root, "bg", 3, 40_000, Instant.parse("2026-11-24T09:31:02.123Z"));
        DataDir dir = DataDir.existing(root, null);
        long expected = 0;
        for (Path p : segs) {
            expected += Files.size(p);
        }
        assertEquals(expected, Shipper.backlogBytes(dir));

        // nothing configured correctly yet: a missing bucket is recorded, not thrown
        S3Endpoint ep = new S3Endpoint(S3.endpoint(), S3.accessKey(), S3.secretKey(), "us-east-1");
        Shipper missing = new Shipper(dir, null, ShipConfig.defaults().withBucket("bg-missing"), ep);
        try (BackgroundShipper bg = new BackgroundShipper(missing)) {
            bg.start(Duration.ofMillis(100));
            waitFor(() -> bg.lastReport() != null);
            assertTrue(bg.lastError().contains("does not exist"), bg.lastError());
            assertEquals(3, bg.lastReport().pending());
        }
        assertEquals(expected, Shipper.backlogBytes(dir));

        Shipper shipper = new Shipper(dir, null, ShipConfig.defaults().withBucket("bg-ok").withCreateBucket(true), ep);
        BackgroundShipper bg = new BackgroundShipper(shipper);
        bg.start(Duration.ofMillis(100));
        waitFor(() -> Files.exists(root.resolve("segments")) && backlog(dir) == 0 && bg.lastReport() != null
                && bg.lastReport().pending() == 0);
        bg.close();
        bg.close(); // idempotent
        assertNull(bg.lastError());
        assertEquals(3, ShipTool.keys(S3, "bg-ok").size());
        assertEquals(0, Shipper.backlogBytes(dir));
        assertNotNull(bg.lastReport());
    }

    private static long backlog(DataDir d) {
        try {
            return Shipper.backlogBytes(d);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(50);
        }
    }
}
