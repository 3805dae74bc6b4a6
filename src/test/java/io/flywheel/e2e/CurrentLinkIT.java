package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code current.jsonl} always names an existing file, also in the middle of a seal: watched while segments roll fast. */
class CurrentLinkIT {
    @TempDir
    Path tmp;

    @Test
    void currentNeverDanglesWhileSegmentsRoll() throws Exception {
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, Flywheel.run(null, "generate", "-n", "100000", "--durable-only").stdout());
        Path dir = tmp.resolve("data");
        Path current = dir.resolve("current.jsonl");
        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--roll-bytes", "16KiB");
        pb.redirectInput(input.toFile()).redirectError(tmp.resolve("err.txt").toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        long polls = 0;
        long dangling = 0;
        long linked = 0;
        while (p.isAlive()) {
            if (Files.isSymbolicLink(current)) {
                linked++;
                if (!Files.exists(current)) {
                    dangling++;
                }
            }
            polls++;
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
        long segments;
        try (var s = Files.list(dir.resolve("segments"))) {
            segments = s.count();
        }
        assertTrue(segments > 500 && linked > 1000, segments + " segments, " + linked + " of " + polls + " polls saw the link");
        assertEquals(0, dangling, "current.jsonl named a missing file in " + dangling + " of " + linked + " polls");
        assertTrue(Files.exists(current), "after the run it names the last sealed segment");
    }
}
