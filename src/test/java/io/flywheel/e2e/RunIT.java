package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Segments;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flywheel run} on stdin, as a user pipes an agent into it. */
class RunIT {
    static final Set<String> EPHEMERAL = Set.of("thinking", "play_break", "tool_heartbeat", "tool_output_chunk",
            "text_chunk", "stream_retry", "session_sync", "token_estimate", "rlm_progress");
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl");

    @TempDir
    Path tmp;

    @Test
    void keepsEveryDurableEventByteForByteAndEchoesEverything() throws Exception {
        Path dir = tmp.resolve("data");
        Flywheel.Result r = Flywheel.run(SAMPLE, "run", "--dir", dir.toString(), "--echo");
        assertEquals(0, r.exit(), r.all());
        List<String> input = Files.readAllLines(SAMPLE);
        assertEquals(input, r.stdout().lines().toList(), "--echo passes every event through, in order");
        List<String> durable = input.stream().filter(l -> EPHEMERAL.stream().noneMatch(t -> l.contains("\"type\":\"" + t + "\""))).toList();
        List<Segments.Line> kept = Segments.lines(dir);
        assertEquals(durable, kept.stream().map(Segments.Line::event).toList());
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(i + 1, kept.get(i).seq());
            assertEquals("stdin", kept.get(i).src());
            assertTrue(kept.get(i).ts().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), kept.get(i).ts());
        }
        assertTrue(Segments.open(dir).isEmpty(), "sealed on exit");
        assertTrue(r.stderr().contains("16 kept, 10 ephemeral, 0 rejected"), r.stderr());
        Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, v.exit(), v.all());
        assertTrue(v.stdout().contains("16 events"), v.stdout());
    }

    @Test
    void numberingContinuesAcrossRestartsAndRollsBySize() throws Exception {
        Path dir = tmp.resolve("data");
        Path input = tmp.resolve("in.jsonl");
        Flywheel.Result g = Flywheel.run(null, "generate", "-n", "3000", "--durable-only");
        Files.writeString(input, g.stdout());
        for (int round = 0; round < 2; round++) {
            Flywheel.Result r = Flywheel.run(input, "run", "--dir", dir.toString(), "--roll-bytes", "64KiB");
            assertEquals(0, r.exit(), r.all());
        }
        List<Segments.Line> kept = Segments.lines(dir);
        assertEquals(6000, kept.size());
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(i + 1, kept.get(i).seq(), "unique, strictly increasing across restarts");
        }
        List<Path> sealed = Segments.sealed(dir);
        assertTrue(sealed.size() >= 10, "rolled at 64 KiB: " + sealed.size());
        for (Path p : sealed) {
            assertTrue(Files.size(p) <= 64 * 1024, p + " " + Files.size(p));
        }
        assertEquals(0, Flywheel.run(null, "verify", "--dir", dir.toString()).exit());
    }

    @Test
    void sigtermDrainsSyncsSealsAndExitsZero() throws Exception {
        Path dir = tmp.resolve("data");
        Process p = Flywheel.builder("run", "--dir", dir.toString(), "--roll-idle", "1h")
                .redirectError(tmp.resolve("err.txt").toFile()).start();
        OutputStream in = p.getOutputStream();
        int sent = 0;
        for (; sent < 500; sent++) {
            in.write(("{\"type\":\"done\",\"n\":" + sent + "}\n").getBytes(StandardCharsets.UTF_8));
        }
        in.flush();
        Path current = dir.resolve("current.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && (!Files.exists(current) || Files.readAllLines(current).size() < 500)) {
            Thread.sleep(50);
        }
        assertTrue(Files.readSymbolicLink(current).toString().endsWith(".jsonl.open"), "tail -F follows the open segment");
        assertTrue(p.isAlive(), "stdin is still open: it keeps running");
        Runtime.getRuntime().exec(new String[] {"kill", "-TERM", Long.toString(p.pid())}).waitFor();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("err.txt")));
        assertTrue(Segments.open(dir).isEmpty(), "sealed");
        assertEquals(500, Segments.lines(dir).size());
        assertTrue(Files.readString(tmp.resolve("err.txt")).contains("SIGTERM"));
    }

    @Test
    void refusesASecondWriterOnTheSameDirectory() throws Exception {
        Path dir = tmp.resolve("data");
        Process first = Flywheel.builder("run", "--dir", dir.toString()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && !Files.exists(dir.resolve("run.lock"))) {
                Thread.sleep(50);
            }
            Thread.sleep(300);
            Flywheel.Result second = Flywheel.run(SAMPLE, "run", "--dir", dir.toString());
            assertEquals(1, second.exit(), second.all());
            assertTrue(second.stderr().contains("another flywheel run (pid " + first.pid() + ")"), second.stderr());
        } finally {
            first.getOutputStream().close();
            assertTrue(first.waitFor(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void operatorErrorsAreOneClearLineNotAStackTrace() throws Exception {
        Flywheel.Result verify = Flywheel.run(null, "verify", "--dir", tmp.resolve("nothing-here").toString());
        assertEquals(2, verify.exit(), "a wrong --dir is a usage error: " + verify.all());
        assertEquals("flywheel verify: " + tmp.resolve("nothing-here") + ": not a Flywheel data directory (no segments/)",
                verify.stderr().strip(), verify.all());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Flywheel.Result run = Flywheel.run(SAMPLE, "run", "--dir", file.resolve("data").toString());
        assertEquals(1, run.exit(), run.all());
        assertTrue(run.stderr().startsWith("flywheel run: "), run.stderr());
        assertTrue(!run.stderr().contains("\tat "), "no stack trace: " + run.stderr());
        Flywheel.Result bad = Flywheel.run(SAMPLE, "run", "--dir", tmp.resolve("d").toString(), "--roll-bytes", "12 parsecs");
        assertEquals(2, bad.exit(), bad.all());
        assertTrue(bad.stderr().contains("--roll-bytes"), bad.stderr());
    }

    @Test
    void configurableClassification() throws Exception {
        Path dir = tmp.resolve("data");
        Path in = tmp.resolve("in.jsonl");
        Files.writeString(in, "{\"type\":\"my_custom\"}\n{\"type\":\"text_chunk\",\"text\":\"x\"}\n{\"type\":\"done\"}\n");
        Flywheel.Result r = Flywheel.run(in, "run", "--dir", dir.toString(), "--durable-type", "text_chunk",
                "--ephemeral-type", "done");
        assertEquals(0, r.exit(), r.all());
        assertEquals(List.of("{\"type\":\"my_custom\"}", "{\"type\":\"text_chunk\",\"text\":\"x\"}"),
                Segments.lines(dir).stream().map(Segments.Line::event).toList(), "unknown types are durable by default");
        List<String> none = new ArrayList<>();
        Flywheel.Result r2 = Flywheel.run(in, "run", "--dir", tmp.resolve("d2").toString(), "--unknown-types", "ephemeral");
        assertEquals(0, r2.exit(), r2.all());
        Segments.lines(tmp.resolve("d2")).forEach(l -> none.add(l.event()));
        assertEquals(List.of("{\"type\":\"done\"}"), none);
    }
}
