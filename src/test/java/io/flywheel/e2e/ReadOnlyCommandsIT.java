package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code status --dir} and {@code verify} only look: the data directory is byte for byte the same afterwards. */
class ReadOnlyCommandsIT {
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl"); // 16 durable, 10 ephemeral

    @TempDir
    Path tmp;

    @Test
    void statusChangesNothingInAStoppedDirectoryWithoutIdentity() throws Exception {
        Path dir = stoppedDirectoryWithoutIdentity();
        Map<String, String> before = snapshot(dir);
        Flywheel.Result s = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
        assertEquals(0, s.exit(), s.all());
        assertEquals(16L, Json.flat(s.stdout()).get("kept"), s.stdout());
        assertUnchanged(before, snapshot(dir), "status --dir");
    }

    @Test
    void verifyChangesNothingInAStoppedDirectoryWithoutIdentity() throws Exception {
        Path dir = stoppedDirectoryWithoutIdentity();
        Map<String, String> before = snapshot(dir);
        Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, v.exit(), v.all());
        assertTrue(v.stdout().contains("16 events"), v.stdout());
        // run.lock is part of the snapshot: it still names the last writer, not verify
        assertUnchanged(before, snapshot(dir), "verify");
    }

    @Test
    void statusAndVerifyChangeNothingUnderALiveWriter() throws Exception {
        Path dir = tmp.resolve("data");
        Path sock = tmp.resolve("s.sock");
        Path err = tmp.resolve("err.txt");
        // nothing of its own to write for an hour: whatever changes in the directory was done by status or verify
        Process server = Flywheel.builder("run", "--dir", dir.toString(), "--socket", sock.toString(),
                        "--metrics-interval", "1h", "--roll-idle", "1h", "--roll-age", "1h")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            WriterLockIT.awaitListening(server, err);
            Flywheel.Result emit = Flywheel.run(SAMPLE, "emit", "--socket", sock.toString());
            assertEquals(0, emit.exit(), emit.all());
            awaitFile(dir.resolve("metrics.prom"));
            Map<String, String> before = snapshot(dir);

            Flywheel.Result s = Flywheel.run(null, "status", "--dir", dir.toString(), "--json");
            assertEquals(0, s.exit(), s.all());
            assertEquals(true, Json.flat(s.stdout()).get("writer_live"), s.stdout());
            Flywheel.Result v = Flywheel.run(null, "verify", "--dir", dir.toString());
            assertEquals(0, v.exit(), v.all());

            assertUnchanged(before, snapshot(dir), "status --dir and verify under a live writer");
            Flywheel.Result second = Flywheel.run(null, "run", "--dir", dir.toString());
            assertEquals(1, second.exit(), second.all());
            assertTrue(second.stderr().contains("another flywheel run (pid " + server.pid() + ")"), second.all());
        } finally {
            server.destroy(); // SIGTERM
            assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, server.exitValue(), Files.readString(err));
    }

    /** A directory a run has stopped in, without flywheel.properties and rejected/ (as copied or restored by hand). */
    private Path stoppedDirectoryWithoutIdentity() throws Exception {
        Path dir = tmp.resolve("data");
        Flywheel.Result r = Flywheel.run(SAMPLE, "run", "--dir", dir.toString());
        assertEquals(0, r.exit(), r.all());
        assertTrue(Files.size(dir.resolve("run.lock")) > 0, "the last writer's pid is in run.lock");
        Files.delete(dir.resolve("flywheel.properties"));
        try (Stream<Path> rejected = Files.walk(dir.resolve("rejected"))) {
            for (Path p : rejected.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertFalse(Files.exists(dir.resolve("rejected")));
        return dir;
    }

    /**
     * Every entry under {@code root}: type, size, mtime, and the content of files (short ones as text, so that a
     * changed pid in run.lock reads as such; longer ones as a SHA-256) or the target of symlinks.
     */
    static Map<String, String> snapshot(Path root) throws IOException, NoSuchAlgorithmException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what;
                if (a.isSymbolicLink()) {
                    what = "link -> " + Files.readSymbolicLink(p);
                } else if (a.isDirectory()) {
                    what = "dir";
                } else {
                    byte[] b = Files.readAllBytes(p);
                    what = b.length <= 128 ? "file '" + new String(b, StandardCharsets.UTF_8).replace("\n", "\\n") + "'"
                            : "file sha256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
                }
                out.put("/" + root.relativize(p), what + ", size " + a.size() + ", mtime " + a.lastModifiedTime());
            }
        }
        return out;
    }

    /** Fails naming only the entries that appeared, vanished or changed. */
    static void assertUnchanged(Map<String, String> before, Map<String, String> after, String command) {
        StringBuilder diff = new StringBuilder();
        for (String k : union(before.keySet(), after.keySet())) {
            if (!Objects.equals(before.get(k), after.get(k))) {
                diff.append("\n  ").append(k).append(": ").append(before.get(k)).append("  ==>  ").append(after.get(k));
            }
        }
        assertTrue(diff.isEmpty(), command + " changed the data directory:" + diff);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(p) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(p), p + " appears");
    }
}
