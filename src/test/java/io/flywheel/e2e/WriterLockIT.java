package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer lock of a running {@code flywheel run} survives everything the server does for its clients: POSIX locks
 * belong to the process and vanish when any of its descriptors on the lock file closes, so one stray open inside the
 * server would let a second writer in.
 */
class WriterLockIT {
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl"); // 16 durable, 10 ephemeral

    @TempDir
    Path tmp;

    @Test
    void statusOverTheSocketKeepsTheWriterLockHeld() throws Exception {
        Path dir = tmp.resolve("data");
        Path sock = tmp.resolve("s.sock");
        Path err = tmp.resolve("err.txt");
        Process server = Flywheel.builder("run", "--dir", dir.toString(), "--socket", sock.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            awaitListening(server, err);
            Flywheel.Result emit = Flywheel.run(SAMPLE, "emit", "--socket", sock.toString());
            assertEquals(0, emit.exit(), emit.all());
            Flywheel.Result viaSocket = Flywheel.run(null, "status", "--socket", sock.toString(), "--json");
            assertEquals(0, viaSocket.exit(), viaSocket.all());
            Map<String, Object> fromServer = Json.flat(viaSocket.stdout());
            assertEquals(true, fromServer.get("writer_live"), viaSocket.stdout());
            assertEquals(Long.toString(server.pid()), fromServer.get("writer_pid"), viaSocket.stdout());

            Flywheel.Result viaDir = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
            assertEquals(0, viaDir.exit(), viaDir.all());
            Map<String, Object> fromDir = Json.flat(viaDir.stdout());
            assertEquals(true, fromDir.get("writer_live"), "the lock is still held after status --socket: " + viaDir.stdout());
            assertEquals(Long.toString(server.pid()), fromDir.get("writer_pid"), viaDir.stdout());

            Flywheel.Result verify = Flywheel.run(null, "verify", "--dir", dir.toString());
            assertEquals(0, verify.exit(), "the live writer owns the .open segment: " + verify.all());

            Flywheel.Result second = Flywheel.run(null, "run", "--dir", dir.toString());
            assertEquals(1, second.exit(), second.all());
            assertTrue(second.stderr().contains("another flywheel run (pid " + server.pid() + ")"), second.all());
            assertTrue(server.isAlive(), Files.readString(err));
        } finally {
            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, server.exitValue(), Files.readString(err));
        Flywheel.Result verify = Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, verify.exit(), verify.all());
        assertTrue(verify.stdout().contains("16 events"), verify.stdout());
    }

    static void awaitListening(Process p, Path err) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("run exited " + p.exitValue() + ": " + Files.readString(err));
            }
            if (Files.readString(err).contains("listening on")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("run did not start listening: " + Files.readString(err));
    }
}
