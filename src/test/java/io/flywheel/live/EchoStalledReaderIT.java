package io.flywheel.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flywheel.testing.Flywheel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run --echo} into a reader that stops reading, with a small heap: a slow stdout must cost lag notices, never
 * memory, and never hold up shutdown.
 */
class EchoStalledReaderIT {
    private static final Pattern LAGGED = Pattern.compile("^\\{\"lagged\":(\\d+)}$");
    private static final int EVENTS = 300_000;

    @TempDir
    Path tmp;

    @Test
    void aStalledEchoReaderCostsLagNoticesNotMemoryAndShutdownStaysWithinItsGrace() throws Exception {
        assumeTrue(Flywheel.isJvmLauncher(), "FLYWHEEL_JAVA_OPTS bounds the heap of the JVM build only");
        Path dir = tmp.resolve("data");
        Path input = tmp.resolve("in.jsonl");
        Flywheel.Result g = Flywheel.run(null, "generate", "-n", Integer.toString(EVENTS), "--size", "400", "--durable-only");
        assertEquals(0, g.exit(), g.stderr());
        Files.writeString(input, g.stdout());
        String last = g.stdout().lines().reduce((a, b) -> b).orElseThrow();

        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--echo", "--metrics-interval", "100ms");
        pb.environment().put("FLYWHEEL_JAVA_OPTS", "-Xmx128m");
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        try {
            OutputStream stdin = p.getOutputStream();
            try {
                Files.copy(input, stdin); // nobody reads stdout meanwhile: the pipe fills after 64 KiB
                stdin.flush();
            } catch (java.io.IOException e) {
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the run died while its echo reader stalled: "
                        + Files.readString(tmp.resolve("err.txt")), e);
            }
            assertTrue(awaitKept(dir, EVENTS, 60), "every durable event is kept while the echo reader stalls\n"
                    + Files.readString(tmp.resolve("err.txt")));
            assertTrue(p.isAlive(), Files.readString(tmp.resolve("err.txt")));

            // the reader resumes: it gets what was buffered, a lag notice, then the newest events
            InputStream out = p.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!endsWithLine(got, last) && System.nanoTime() < deadline) {
                int n = out.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            String text = got.toString(StandardCharsets.UTF_8);
            long lagged = 0;
            long lines = 0;
            long notices = 0;
            for (String line : text.lines().toList()) {
                Matcher m = LAGGED.matcher(line);
                if (m.matches()) {
                    lagged += Long.parseLong(m.group(1));
                    notices++;
                } else {
                    lines++;
                }
            }
            assertTrue(notices >= 1, "a lag notice once the reader resumes");
            assertEquals(EVENTS, lines + lagged, "lag notices sum to what the reader missed");
            assertTrue(text.endsWith(last + "\n"), "the newest event is delivered");

            // stalled again, with more input: SIGTERM still ends the run within its grace
            Files.copy(input, stdin);
            stdin.flush();
            assertTrue(awaitKept(dir, 2L * EVENTS, 60));
            Flywheel.signal(p, "TERM");
            // the graces (10 s, 2 s for subscribers) and a JVM's exit on a busy machine; it took 96 s before issue 9
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "SIGTERM with a stalled echo reader ends the run");
            String err = Files.readString(tmp.resolve("err.txt"));
            assertEquals(0, p.exitValue(), err);
            assertFalse(err.contains("OutOfMemoryError"), err);
            assertTrue(err.contains((2L * EVENTS) + " kept"), err);
        } finally {
            p.destroyForcibly();
        }
    }

    private static boolean endsWithLine(ByteArrayOutputStream got, String last) {
        int n = got.size();
        if (n < last.length() + 1) {
            return false;
        }
        String tail = new String(got.toByteArray(), n - last.length() - 1, last.length() + 1, StandardCharsets.UTF_8);
        return tail.equals(last + "\n");
    }

    /** Waits until metrics.prom says {@code want} durable events are kept. */
    static boolean awaitKept(Path dir, long want, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong kept = new AtomicLong();
        while (System.nanoTime() < deadline) {
            Path prom = dir.resolve("metrics.prom");
            if (Files.exists(prom)) {
                for (String l : Files.readAllLines(prom)) {
                    if (l.startsWith("flywheel_events_kept_total ")) {
                        kept.set((long) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim()));
                    }
                }
                if (kept.get() >= want) {
                    return true;
                }
            }
            Thread.sleep(100);
        }
        return false;
    }
}
