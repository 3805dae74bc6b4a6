package io.flywheel.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flywheel follow}: every durable event exactly once, in seq order, also while segments roll fast. */
class FollowIT {
    @TempDir
    Path tmp;

    @Test
    void followAcrossFastRollsPrintsEveryDurableEventOnceInOrder() throws Exception {
        int events = 50_000;
        Path dir = tmp.resolve("data");
        Flywheel.Result g = Flywheel.run(null, "generate", "-n", Integer.toString(events), "--durable-only");
        List<String> input = g.stdout().lines().toList();
        assertEquals(events, input.size());
        byte[] all = g.stdout().getBytes(StandardCharsets.UTF_8);

        Process run = Flywheel.builder("run", "--dir", dir.toString(), "--roll-bytes", "16KiB")
                .redirectError(tmp.resolve("run.err").toFile()).redirectOutput(tmp.resolve("run.out").toFile()).start();
        OutputStream in = run.getOutputStream();
        in.write(all, 0, all.length / 100); // the directory exists once something was written
        in.flush();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.isDirectory(dir.resolve("segments")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Path followOut = tmp.resolve("follow.out");
        Process follow = Flywheel.builder("follow", "--dir", dir.toString(), "--from-seq", "1", "-f", "--poll", "5")
                .redirectOutput(followOut.toFile()).redirectError(tmp.resolve("follow.err").toFile()).start();
        try {
            // a few seconds of input: a segment rolls every few milliseconds while follow reads
            int chunk = all.length / 400;
            for (int off = all.length / 100; off < all.length; off += chunk) {
                in.write(all, off, Math.min(chunk, all.length - off));
                in.flush();
                Thread.sleep(10);
            }
            in.close();
            assertTrue(run.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, run.exitValue(), Files.readString(tmp.resolve("run.err")));
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.size(followOut) < all.length && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Thread.sleep(200); // anything more would be a repeat
        } finally {
            follow.destroy();
            follow.waitFor(10, TimeUnit.SECONDS);
        }
        long segments;
        try (var s = Files.list(dir.resolve("segments"))) {
            segments = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).count(); // not their .seal records
        }
        assertTrue(segments > 300, "rolled often: " + segments);
        List<String> printed = Files.readAllLines(followOut);
        assertEquals(input.size(), printed.size(), Files.readString(tmp.resolve("follow.err")));
        assertEquals(input, printed, "every durable event once, in seq order");
    }

    @Test
    void onAStoppedDirectoryFollowPrintsAndExits() throws Exception {
        Path dir = tmp.resolve("data");
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, Flywheel.run(null, "generate", "-n", "2000").stdout());
        Flywheel.Result r = Flywheel.run(input, "run", "--dir", dir.toString(), "--roll-bytes", "16KiB");
        assertEquals(0, r.exit(), r.all());

        Flywheel.Result env = Flywheel.run(null, "follow", "--dir", dir.toString(), "--envelope");
        assertEquals(0, env.exit(), env.all());
        List<String> lines = env.stdout().lines().toList();
        assertTrue(lines.size() > 1000, "durable events of the mix: " + lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertTrue(lines.get(i).startsWith("{\"seq\":" + (i + 1) + ",\"ts\":"), lines.get(i));
        }
        Flywheel.Result last = Flywheel.run(null, "follow", "--dir", dir.toString(), "-n", "5", "--envelope");
        assertEquals(lines.subList(lines.size() - 5, lines.size()), last.stdout().lines().toList());
        Flywheel.Result from = Flywheel.run(null, "follow", "--dir", dir.toString(), "--from-seq", "700");
        assertEquals(lines.size() - 699, from.stdout().lines().count());
        Flywheel.Result typed = Flywheel.run(null, "follow", "--dir", dir.toString(), "--type", "tool_call_complete");
        assertTrue(typed.stdout().lines().allMatch(l -> l.contains("\"type\":\"tool_call_complete\"")), typed.stdout());
        assertTrue(typed.stdout().lines().count() > 0);
    }
}
