package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM distribution installed as a user would: unpacked into a prefix, linked into a bin directory on PATH, and run
 * from there, with the checkout's own build moved out of the way to prove the installation needs nothing from it.
 */
class DistributionIT {
    private static final Path CHECKOUT_APP = Path.of("target/quarkus-app").toAbsolutePath();

    @TempDir
    Path tmp;

    @Test
    void installedThroughASymlinkRunsWithoutTheCheckout() throws Exception {
        String dist = System.getProperty("flywheel.dist", "");
        // the native profile ships target/flywheel alone: there is no JVM distribution to install
        assumeTrue(!dist.isEmpty() && Files.isRegularFile(Path.of(dist)), "no JVM distribution built: " + dist);

        Path prefix = Files.createDirectories(tmp.resolve("opt"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path cache = tmp.resolve("cache");
        Result untar = exec(List.of("tar", "xzf", Path.of(dist).toAbsolutePath().toString(), "-C", prefix.toString()), Map.of(), null);
        assertEquals(0, untar.exit, untar.all());
        Path home;
        try (Stream<Path> s = Files.list(prefix)) {
            List<Path> top = s.toList();
            assertEquals(1, top.size(), "one top-level directory in the tarball: " + top);
            home = top.get(0);
        }
        assertTrue(Files.isExecutable(home.resolve("bin/flywheel")), "bin/flywheel is executable in the tarball");
        Files.createSymbolicLink(bin.resolve("flywheel"), home.resolve("bin/flywheel"));

        // a login-like environment: the launcher must find its installation through the link on PATH alone
        Map<String, String> env = Map.of(
                "PATH", bin + ":/usr/bin:/bin",
                "JAVA_HOME", System.getProperty("java.home"),
                "FLYWHEEL_CACHE_DIR", cache.toString(),
                "HOME", tmp.toString());

        useAsInstalled(env, tmp.resolve("data1"), true);
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> caches = s.filter(p -> p.getFileName().toString().endsWith(".aot")).toList();
            if (Runtime.version().feature() >= 25) {
                assertEquals(1, caches.size(), "one AOT cache trained on first use: " + caches);
                String recorded = new String(Files.readAllBytes(caches.get(0)), StandardCharsets.ISO_8859_1);
                assertTrue(recorded.contains(home.toRealPath() + "/lib/quarkus-app/"), "trained on the installed jars");
                assertFalse(recorded.contains(CHECKOUT_APP.toString()), "nothing recorded from the checkout");
            }
        }

        Path away = CHECKOUT_APP.resolveSibling("quarkus-app.away-" + ProcessHandle.current().pid());
        Files.move(CHECKOUT_APP, away);
        try {
            useAsInstalled(env, tmp.resolve("data2"), false);
        } finally {
            Files.move(away, CHECKOUT_APP);
        }
    }

    private void useAsInstalled(Map<String, String> env, Path data, boolean firstUse) throws Exception {
        Result v = flywheel(env, null, "--version");
        assertEquals(0, v.exit, v.all());
        String version = System.getProperty("flywheel.version", "");
        List<String> lines = v.stdout.lines().toList();
        assertEquals(5, lines.size(), v.all());
        assertTrue(lines.get(0).matches("flywheel \\S+"), v.stdout);
        assertTrue(lines.get(1).matches("commit: +([0-9a-f]{12}(-dirty)?|unknown)"), v.stdout);
        assertTrue(lines.get(2).matches("built: +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"), v.stdout);
        assertEquals("build:   JVM", lines.get(3), v.stdout);
        assertTrue(lines.get(4).startsWith("runtime: Java " + Runtime.version().feature()), v.stdout);
        assertTrue(version.isEmpty() || lines.get(0).equals("flywheel " + version), v.stdout);
        if (!firstUse) {
            assertEquals("", v.stderr, "no warning from a cache or a missing jar");
        }

        Path events = tmp.resolve("events.jsonl");
        Files.writeString(events, """
                {"type":"tool_call_complete","tool":"bash"}
                {"type":"text_chunk","text":"hi"}
                {"type":"token_usage","input":12,"output":34}
                """);
        Result run = flywheel(env, events, "run", "--dir", data.toString());
        assertEquals(0, run.exit, run.all());
        assertTrue(run.stderr.contains("2 kept, 1 ephemeral, 0 rejected"), run.all());
        Result verify = flywheel(env, null, "verify", "--dir", data.toString());
        assertEquals(0, verify.exit, verify.all());
        assertTrue(verify.stdout.contains("2 events"), verify.all());
    }

    /** Through a shell, so that PATH lookup and the symlink are resolved exactly as for a user typing the command. */
    private Result flywheel(Map<String, String> env, Path stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "exec flywheel \"$@\"", "sh"));
        cmd.addAll(List.of(args));
        return exec(cmd, env, stdin);
    }

    private Result exec(List<String> cmd, Map<String, String> env, Path stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private record Result(int exit, String stdout, String stderr) {
        String all() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }
}
