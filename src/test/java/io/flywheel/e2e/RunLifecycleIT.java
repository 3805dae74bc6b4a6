package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.NotifyListener;
import io.flywheel.testing.Segments;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a run ends when something goes wrong around ingest: a reader thread dying of an Error, a disk that refuses
 * writes under a systemd watchdog, an operator pressing Ctrl-C twice. Real processes, real signals, real sockets.
 */
class RunLifecycleIT {
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl"); // 16 durable, 10 ephemeral
    /** Generous bounds for "it ends" - not speed requirements. */
    static final long ENDS_WITHIN_S = 60;

    @TempDir
    Path tmp;

    /**
     * A line allowed to be larger than the heap (--max-line-bytes 256MiB, -Xmx48m) makes the stdin reader's buffer
     * growth throw OutOfMemoryError: an honest failure nobody handled. The run must end, exit 1 and say why - not
     * wait forever for an end of input that the dead thread will never report.
     */
    @Test
    void anErrorInTheStdinReaderFailsTheRunWithExit1InsteadOfHanging() throws Exception {
        assumeTrue(Flywheel.isJvmLauncher(), "-Xmx reaches only the JVM build");
        Path dir = tmp.resolve("data");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--max-line-bytes", "256MiB");
        pb.environment().put("FLYWHEEL_JAVA_OPTS", "-Xmx48m");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(err.toFile());
        Process p = pb.start();
        Thread feeder = Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(Files.readAllBytes(SAMPLE));
                in.write("{\"type\":\"x\",\"big\":\"".getBytes(StandardCharsets.UTF_8));
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 'z');
                for (int i = 0; i < 200; i++) {
                    in.write(chunk);
                }
            } catch (IOException e) {
                // the process stopped reading: expected
            }
        });
        try {
            assertTrue(p.waitFor(ENDS_WITHIN_S, TimeUnit.SECONDS), "the run ends: " + Files.readString(err));
            String e = Files.readString(err);
            assertEquals(1, p.exitValue(), e);
            assertTrue(e.contains("flywheel: FAILED: reading stdin failed: java.lang.OutOfMemoryError"), e);
            assertTrue(e.contains("16 of 16 accepted durable events were kept"), e);
        } finally {
            p.destroyForcibly();
            feeder.join(10_000);
        }
        assertEquals(16, Segments.lines(dir).size());
        Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, v.exit(), v.all());
    }

    /**
     * The same Error in one socket connection's reader: that connection is closed (its client sees the end instead
     * of waiting for acks forever), the error is logged, and the server goes on serving others.
     */
    @Test
    void anErrorInOneConnectionClosesItAndTheServerGoesOn() throws Exception {
        assumeTrue(Flywheel.isJvmLauncher(), "-Xmx reaches only the JVM build");
        Path dir = tmp.resolve("data");
        Path sock = tmp.resolve("s.sock");
        Path err = tmp.resolve("err.txt");
        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString(), "--socket", sock.toString(),
                "--max-line-bytes", "256MiB");
        pb.environment().put("FLYWHEEL_JAVA_OPTS", "-Xmx48m");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(err.toFile());
        Process p = pb.start();
        try {
            awaitStderr(p, err, "listening on");
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                client.connect(UnixDomainSocketAddress.of(sock));
                Thread sender = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        client.write(ByteBuffer.wrap("{\"type\":\"x\",\"big\":\"".getBytes(StandardCharsets.UTF_8)));
                        byte[] chunk = new byte[1 << 20];
                        Arrays.fill(chunk, (byte) 'z');
                        for (int i = 0; i < 200; i++) {
                            client.write(ByteBuffer.wrap(chunk));
                        }
                    } catch (IOException e) {
                        // the server closed the connection: expected
                    }
                });
                CompletableFuture<Integer> end = CompletableFuture.supplyAsync(() -> {
                    try {
                        return client.read(ByteBuffer.allocate(4096));
                    } catch (IOException e) {
                        return -1; // reset counts as closed
                    }
                });
                assertEquals(-1, end.get(ENDS_WITHIN_S, TimeUnit.SECONDS), "the failed connection is closed");
                sender.join(10_000);
            }
            String e = Files.readString(err);
            assertTrue(e.contains("connection 1: reading failed, closing the connection: java.lang.OutOfMemoryError"), e);

            Flywheel.Result emit = Flywheel.run(SAMPLE, "emit", "--socket", sock.toString());
            assertEquals(0, emit.exit(), emit.all());
            assertTrue(p.isAlive());
        } finally {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(ENDS_WITHIN_S, TimeUnit.SECONDS));
        }
        assertEquals(0, p.exitValue(), Files.readString(err));
        assertEquals(16, Segments.lines(dir).size());
    }

    /**
     * Writes fail (RLIMIT_FSIZE: EFBIG, as a full disk gives ENOSPC) and are retried for --disk-retry 20s under a
     * systemd watchdog of 2 s. Retrying is degraded but alive: WATCHDOG=1 keeps coming after the 10 s after which a
     * committer without progress counts as wedged, STATUS says DEGRADED and why; at the end of the window the run
     * exits 1 naming the cause.
     */
    @Test
    void retryingDiskWritesKeepsTheWatchdogFedAndStatusSaysDegraded() throws Exception {
        Path dir = tmp.resolve("data");
        Path err = tmp.resolve("err.txt");
        byte[] input = Flywheel.run(null, "generate", "-n", "20000", "--durable-only").stdout().getBytes(StandardCharsets.UTF_8);
        try (NotifyListener notify = NotifyListener.start(tmp)) {
            ProcessBuilder pb = underFileSizeLimit("run", "--dir", dir.toString(), "--disk-retry", "20s",
                    "--roll-bytes", "1MiB", "--metrics-interval", "1s");
            pb.environment().put("NOTIFY_SOCKET", notify.socket().toString());
            pb.environment().put("WATCHDOG_USEC", "2000000");
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(err.toFile());
            Process p = pb.start();
            // stdin stays open: the run is stopped by the disk, not by the end of input
            try (OutputStream in = p.getOutputStream()) {
                in.write(input);
                in.flush();
                awaitStderr(p, err, "durable ingest paused");
                long retryStarted = System.nanoTime();
                assertTrue(p.waitFor(ENDS_WITHIN_S, TimeUnit.SECONDS), "the run ends: " + Files.readString(err));
                long wedgedAfter = retryStarted + TimeUnit.SECONDS.toNanos(12); // RunObserver.WEDGED_AFTER, and some
                List<NotifyListener.Message> msgs = notify.messages();
                assertTrue(msgs.stream().anyMatch(m -> m.text().contains("WATCHDOG=1") && m.nanos() > wedgedAfter),
                        "the watchdog is fed all through the retry window: " + msgs);
                assertTrue(msgs.stream().anyMatch(m -> m.text().contains("STATUS=DEGRADED (disk: ")
                                && m.text().contains("retrying for up to 20s")), msgs.toString());
                // UNHEALTHY only once the retry window is over and the journal gave up (the run may tick once more
                // before its main loop sees the failure), never while it retries
                assertTrue(msgs.stream().noneMatch(m -> m.text().contains("UNHEALTHY") && !m.text().contains("giving up")),
                        msgs.toString());
            } finally {
                p.destroyForcibly().waitFor();
            }
            String e = Files.readString(err);
            assertEquals(1, p.exitValue(), e);
            assertTrue(e.contains("flywheel: FAILED: cannot write to"), e);
            assertTrue(e.contains("giving up"), e);
        }
    }

    /**
     * A stop held up by a disk that refuses writes (the journal cannot seal): the first Ctrl-C starts the graceful
     * stop, which says what it waits for; the second aborts at once with 130. The next run recovers as after a
     * crash, and the directory verifies.
     */
    @Test
    void aSecondCtrlCAbortsAStuckStopWith130AndTheNextRunRecovers() throws Exception {
        Path dir = tmp.resolve("data");
        Path err = tmp.resolve("err.txt");
        byte[] input = Flywheel.run(null, "generate", "-n", "20000", "--durable-only").stdout().getBytes(StandardCharsets.UTF_8);
        ProcessBuilder pb = underFileSizeLimit("run", "--dir", dir.toString(), "--disk-retry", "10m", "--roll-bytes", "1MiB");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(err.toFile());
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
            in.flush();
            awaitStderr(p, err, "durable ingest paused");
            Flywheel.signal(p, "INT");
            awaitStderr(p, err, "flywheel: stopping: waiting for the journal to sync and seal");
            assertTrue(Files.readString(err).contains("press Ctrl-C again to abort"), Files.readString(err));
            Flywheel.signal(p, "INT");
            assertTrue(p.waitFor(ENDS_WITHIN_S, TimeUnit.SECONDS), "the second Ctrl-C ends the run: " + Files.readString(err));
        } finally {
            p.destroyForcibly().waitFor();
        }
        String e = Files.readString(err);
        assertEquals(130, p.exitValue(), e);
        assertTrue(e.contains("aborted by a second Ctrl-C"), e);

        Flywheel.Result again = Flywheel.run(null, "run", "--dir", dir.toString());
        assertEquals(0, again.exit(), again.all());
        assertTrue(again.stderr().contains("left open by a crash"), again.all());
        Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, v.exit(), v.all());
        assertTrue(Segments.lines(dir).size() > 0);
    }

    /** 400 blocks of 512 bytes: a segment file may grow to 200 KiB, then writes fail with EFBIG. */
    private static ProcessBuilder underFileSizeLimit(String... args) {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "sh";
        cmd[1] = "-c";
        cmd[2] = "ulimit -f 400; exec \"$0\" \"$@\"";
        cmd[3] = Flywheel.binary().toString();
        System.arraycopy(args, 0, cmd, 4, args.length);
        return new ProcessBuilder(cmd);
    }

    private static void awaitStderr(Process p, Path err, String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ENDS_WITHIN_S);
        while (System.nanoTime() < deadline) {
            if (Files.exists(err) && Files.readString(err).contains(text)) {
                return;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("stderr never said \"" + text + "\": " + (Files.exists(err) ? Files.readString(err) : ""));
    }
}
