package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Segments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A disk that refuses writes (here: RLIMIT_FSIZE, so writes fail with EFBIG like a full disk fails with ENOSPC):
 * Flywheel stops taking durable input, says why, exits 1 after its retry window, and what it kept stays intact.
 */
class DiskFullIT {
    @TempDir
    Path tmp;

    @Test
    void refusedWritesStopIngestExitNonZeroAndKeepWhatWasKept() throws Exception {
        Path dir = tmp.resolve("data");
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, Flywheel.run(null, "generate", "-n", "20000", "--durable-only").stdout());
        // 400 blocks of 512 bytes: each segment file may grow to 200 KiB, a segment is rolled at 1 MiB
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "ulimit -f 400; exec \"$0\" \"$@\"", Flywheel.binary().toString(),
                "run", "--dir", dir.toString(), "--disk-retry", "2s", "--roll-bytes", "1MiB");
        pb.redirectInput(input.toFile());
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = Files.readString(tmp.resolve("err.txt"));
        assertEquals(1, p.exitValue(), err);
        assertTrue(err.contains("durable ingest paused"), err);
        assertTrue(err.contains("FAILED: cannot write to"), err);
        assertTrue(err.contains("giving up"), err);

        // the next run (with room again) recovers the segment the failed run left open; nothing half-written
        Flywheel.Result again = Flywheel.run(null, "run", "--dir", dir.toString());
        assertEquals(0, again.exit(), again.all());
        List<Segments.Line> kept = Segments.lines(dir);
        assertTrue(kept.size() > 0 && kept.size() < 20000, "kept " + kept.size());
        List<String> in = Files.readAllLines(input);
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(i + 1, kept.get(i).seq());
            assertEquals(in.get(i), kept.get(i).event());
        }
        assertEquals(0, Flywheel.run(null, "verify", "--dir", dir.toString()).exit());
    }
}
