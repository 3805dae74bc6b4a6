package io.flywheel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Bucket;
import io.flywheel.testing.S3Proxy;
import io.flywheel.testing.ShipTool;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real full filesystem: the data directory on a small tmpfs (mounting needs root, which CI has; otherwise the
 * tests are skipped with the reason printed), filled up by another file while Flywheel writes, then freed.
 */
class FullDiskIT {
    @RegisterExtension
    static final S3Proxy S3 = new S3Proxy();

    private Path mount;
    private Path filler;

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = SocketKit.workDir("tmpfs");
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=32m", "flywheel-test", mount.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        if (!mounted) {
            System.err.println("FullDiskIT skipped: cannot mount a tmpfs here (needs root): " + out.strip());
        }
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs: " + out.strip());
        filler = mount.resolve("filler");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Takes every free byte of the filesystem. */
    private void fillUp() throws IOException {
        ByteBuffer block = ByteBuffer.allocate(4096);
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                block.clear();
                ch.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
    }

    private void freeUp() throws IOException {
        Files.deleteIfExists(filler);
    }

    private static void awaitLog(SocketKit.Server server, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!server.log().contains(text)) {
            assertTrue(System.nanoTime() < deadline && server.process.isAlive(), "waiting for '" + text + "': " + server.log());
            Thread.sleep(20);
        }
    }

    @Test
    void aFullDiskPausesAcknowledgedSocketIngestAndFreedSpaceResumesItWithNothingLost() throws Exception {
        Path data = mount; // the server's log goes beside it, off the full filesystem
        Path socket = SocketKit.workDir("full-sock").resolve("s.sock");
        try (SocketKit.Server server = new SocketKit.Server(data, socket, "--disk-retry", "120s", "--roll-bytes", "256KiB");
             SocketKit.Producer producer = new SocketKit.Producer(socket)) {
            producer.send(SocketKit.events("e", 0, 3000));
            assertTrue(producer.awaitAcked(3000, Duration.ofSeconds(60)), "first batch acked");
            fillUp();
            Thread sender = Thread.ofPlatform().start(() -> { // blocks while the server stops reading
                try {
                    producer.send(SocketKit.events("e", 3000, 20000));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            awaitLog(server, "durable ingest paused", Duration.ofSeconds(60));
            long ackedWhileFull = producer.acked;
            assertTrue(ackedWhileFull < 23000, "a full disk cannot take everything: " + ackedWhileFull);
            freeUp();
            assertTrue(producer.awaitAcked(23000, Duration.ofSeconds(90)), "resumed: acked " + producer.acked + " " + server.log());
            sender.join(30_000);
            awaitLog(server, "durable ingest resumed", Duration.ofSeconds(10));
            producer.send(SocketKit.events("e", 23000, 1000));
            assertTrue(producer.awaitAcked(24000, Duration.ofSeconds(60)));
            assertTrue(producer.finish(Duration.ofSeconds(30)));
            assertEquals(0, server.stop(), server.log());
        }
        SocketKit.Result verify = SocketKit.run(null, "verify", "--dir", data.toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
        Map<String, Integer> ids = SocketKit.segmentIds(data);
        for (int i = 0; i < 24000; i++) {
            assertEquals(1, ids.getOrDefault("e" + i, 0), "e" + i + " kept once");
        }
    }

    /**
     * The seal of a segment needs a few bytes for seq.hwm when the disk is full. The segment must not become
     * shippable before the mark covers it: after shipping with --keep-shipped 0, a restart must number on.
     */
    @Test
    void aSealThatCannotWriteTheHighWaterMarkNeverLetsNumbersBeReused() throws Exception {
        Path data = mount.resolve("data");
        ShipTool.createBucket(S3, "fullhwm");
        Path log = SocketKit.workDir("full-hwm").resolve("run.log");
        Process run = new ProcessBuilder(SocketKit.BINARY.toString(), "run", "--dir", data.toString(), "--roll-idle", "5s",
                "--disk-retry", "60s", "--metrics-interval", "1h")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            OutputStream stdin = run.getOutputStream();
            stdin.write(lines("a", 100));
            stdin.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (openLines(data) < 100) {
                assertTrue(System.nanoTime() < deadline && run.isAlive(), "written: " + Files.readString(log));
                Thread.sleep(10);
            }
            fillUp(); // the idle roll comes seconds later, with no room left for seq.hwm
            while (run.isAlive() && !Files.readString(log).contains("durable ingest paused")) {
                assertTrue(System.nanoTime() < deadline, Files.readString(log));
                Thread.sleep(20);
            }
            ShipTool.Result ship = ShipTool.run(S3, "ship", "--dir", data.toString(), "--bucket", "fullhwm", "--keep-shipped", "0");
            assertTrue(ship.exit() == 0 || ship.exit() == 1, ship::toString);
            freeUp();
            if (run.isAlive()) {
                stdin.close();
                assertTrue(run.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
            }
        } finally {
            run.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        SocketKit.Result again = SocketKit.run(writeTo(log.resolveSibling("b.jsonl"), lines("b", 50)), "run", "--dir", data.toString());
        assertEquals(0, again.code(), again.err());
        ShipTool.Result ship = ShipTool.run(S3, "ship", "--dir", data.toString(), "--bucket", "fullhwm", "--keep-shipped", "0");
        assertEquals(0, ship.exit(), ship::toString);

        List<Bucket.Kept> kept = Bucket.everything(S3, "fullhwm", data);
        Set<Long> seqs = new HashSet<>();
        for (Bucket.Kept k : kept) {
            assertTrue(seqs.add(k.seq()), "seq " + k.seq() + " given twice (again in " + k.where() + "): " + kept);
        }
        assertEquals(150, kept.size(), "100 events before the full disk, 50 after");
    }

    private static byte[] lines(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"type\":\"done\",\"id\":\"").append(prefix).append(i).append("\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Path writeTo(Path p, byte[] content) throws IOException {
        Files.write(p, content);
        return p;
    }

    private static long openLines(Path data) throws IOException {
        if (!Files.isDirectory(data.resolve("segments"))) {
            return 0;
        }
        try (Stream<Path> s = Files.list(data.resolve("segments"))) {
            long n = 0;
            for (Path p : s.filter(p -> p.toString().endsWith(".open")).toList()) {
                n += Files.readAllLines(p).size();
            }
            return n;
        }
    }
}
