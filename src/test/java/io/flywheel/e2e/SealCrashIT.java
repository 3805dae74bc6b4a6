package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Bucket;
import io.flywheel.testing.Flywheel;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.ShipTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real process SIGKILLed at each step of sealing a segment (held there by the FLYWHEEL_FAULT seam), then
 * {@code ship --keep-shipped 0} (which deletes what it shipped), then another run: across the bucket and the
 * directory no sequence number appears twice, none is skipped, and every event of the completed run is there once.
 */
class SealCrashIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private static String input(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"type\":\"tool_call_complete\",\"id\":\"").append(prefix).append(i)
                    .append("\",\"output\":\"lorem ipsum dolor sit amet consectetur\"}\n");
        }
        return sb.toString();
    }

    /**
     * The first seal runs high-water (temporary file, then rename), dir-sync of DIR, seal-record (temporary file, then
     * rename), seal-link, link-current, seal-unlink, dir-sync of segments/.
     */
    @ParameterizedTest
    @ValueSource(strings = {"high-water:1", "high-water-sync:1", "high-water:2", "dir-sync:2", "seal-record:1",
        "seal-record-sync:1", "seal-record:2", "seal-link:1", "link-current:2", "seal-unlink:1", "dir-sync:3",
        "seal-link:3"})
    void killedAtAStepOfSealingThenShippedAndRestartedNumbersEveryEventOnce(String step) throws Exception {
        Path dir = ShipTool.newDir("sealcrash").resolve("data");
        String bucket = "seal-" + step.replace(':', '-');
        ShipTool.createBucket(S3, bucket);
        Path in1 = dir.resolveSibling("in1.jsonl");
        Path in2 = dir.resolveSibling("in2.jsonl");
        Files.writeString(in1, input("a", 400));
        Files.writeString(in2, input("b", 300));
        Path err = dir.resolveSibling("err1.txt");

        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--roll-bytes", "8KiB");
        pb.environment().put("FLYWHEEL_FAULT", "hold:" + step);
        pb.redirectInput(in1.toFile()).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(err).contains("holding at") && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Files.readString(err).contains("holding at " + step.split(":")[0]),
                "the run must stop at " + step + ": " + Files.readString(err));
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));

        ShipTool.Result ship1 = ShipTool.run(S3, "ship", "--dir", dir.toString(), "--bucket", bucket, "--keep-shipped", "0");
        assertEquals(0, ship1.exit(), ship1::toString);
        Flywheel.Result run2 = Flywheel.run(in2, "run", "--dir", dir.toString(), "--roll-bytes", "8KiB");
        assertEquals(0, run2.exit(), run2.all());
        ShipTool.Result ship2 = ShipTool.run(S3, "ship", "--dir", dir.toString(), "--bucket", bucket, "--keep-shipped", "0");
        assertEquals(0, ship2.exit(), ship2::toString);
        assertEquals(0, Flywheel.run(null, "verify", "--dir", dir.toString()).exit());

        List<Bucket.Kept> kept = Bucket.everything(S3, bucket, dir);
        TreeSet<Long> seqs = new TreeSet<>();
        Map<String, Integer> events = new HashMap<>();
        for (Bucket.Kept k : kept) {
            assertTrue(seqs.add(k.seq()), "seq " + k.seq() + " twice (again in " + k.where() + ")");
            events.merge(k.event(), 1, Integer::sum);
        }
        assertEquals(seqs.size(), seqs.last(), "numbers 1.." + seqs.last() + " without a gap");
        for (String line : input("b", 300).split("\n")) {
            assertEquals(1, events.getOrDefault(line, 0), "kept once: " + line);
        }
        String[] first = input("a", 400).split("\n");
        int keptOfFirst = 0;
        while (keptOfFirst < first.length && events.containsKey(first[keptOfFirst])) {
            assertEquals(1, events.get(first[keptOfFirst]));
            keptOfFirst++;
        }
        assertTrue(keptOfFirst > 0, "the killed run had sealed or recovered a prefix");
        assertEquals(keptOfFirst + 300, kept.size(), "the killed run kept a prefix of its input, nothing else");
    }
}
