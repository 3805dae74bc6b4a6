package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Segments;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGKILL a running {@code flywheel run} mid-stream, restart it, and check that nothing written was lost or doubled. */
class CrashRecoveryIT {
    @TempDir
    Path tmp;

    @Test
    void sigkillMidStreamThenRestartRecoversEverythingWritten() throws Exception {
        Path dir = tmp.resolve("data");
        long next = 0;
        for (int round = 0; round < 3; round++) {
            Process p = Flywheel.builder("run", "--dir", dir.toString(), "--roll-bytes", "256KiB")
                    .redirectError(tmp.resolve("err-" + round + ".txt").toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            AtomicLong sent = new AtomicLong(next);
            Thread feeder = Thread.ofPlatform().start(() -> {
                try (OutputStream in = p.getOutputStream()) {
                    String pad = "p".repeat(120);
                    while (true) {
                        StringBuilder sb = new StringBuilder();
                        for (int k = 0; k < 100; k++) {
                            sb.append("{\"type\":\"tool_call_complete\",\"n\":").append(sent.getAndIncrement())
                                    .append(",\"output\":\"").append(pad).append("\"}\n");
                        }
                        in.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // the process was killed: the pipe broke
                }
            });
            long target = next + 20_000 + round * 7_000L;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && countOnDisk(dir) < target) {
                Thread.sleep(20);
            }
            p.destroyForcibly(); // SIGKILL
            p.waitFor(10, TimeUnit.SECONDS);
            feeder.join(10_000);
            long writtenAtKill = countCompleteLinesOnDisk(dir);
            assertTrue(!Segments.open(dir).isEmpty() || round > 0 || writtenAtKill > 0, "killed mid-stream");

            Flywheel.Result restart = Flywheel.run(null, "run", "--dir", dir.toString());
            assertEquals(0, restart.exit(), restart.all());
            List<Segments.Line> lines = Segments.lines(dir);
            assertEquals(writtenAtKill, lines.size(), "recovery keeps every complete line that was written");
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(i + 1, lines.get(i).seq(), "no gap, no duplicate");
                assertTrue(lines.get(i).event().startsWith("{\"type\":\"tool_call_complete\",\"n\":" + i + ","),
                        "the kept events are exactly the input's prefix, in order: " + lines.get(i).event());
            }
            assertTrue(Segments.open(dir).isEmpty());
            Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
            assertEquals(0, v.exit(), v.all());
            next = lines.size();
        }
        assertTrue(next > 40_000, "three rounds kept " + next);
    }

    private static long countOnDisk(Path dir) throws IOException {
        return countCompleteLinesOnDisk(dir);
    }

    /** Complete lines in every segment, sealed or open (what a SIGKILL leaves in the page cache is all still there). */
    private static long countCompleteLinesOnDisk(Path dir) throws IOException {
        if (!Files.isDirectory(dir.resolve("segments"))) {
            return 0;
        }
        List<Path> all = new ArrayList<>(Segments.sealed(dir));
        all.addAll(Segments.open(dir));
        long n = 0;
        for (Path p : all) {
            byte[] b;
            try {
                b = Files.readAllBytes(p);
            } catch (java.nio.file.NoSuchFileException e) {
                return countCompleteLinesOnDisk(dir); // renamed while sealing: count again
            }
            for (byte x : b) {
                if (x == '\n') {
                    n++;
                }
            }
        }
        return n;
    }
}
