package io.flywheel.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code target/flywheel} (JVM launcher or native executable) as a real process. */
public final class Flywheel {
    private Flywheel() {
    }

    public static Path binary() {
        String p = System.getProperty("flywheel.binary", "target/flywheel");
        Path path = Path.of(p).toAbsolutePath();
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(path + " is not executable: run ./mvnw package first");
        }
        return path;
    }

    /** True for the JVM build's launcher script (it honours FLYWHEEL_JAVA_OPTS), false for a native executable. */
    public static boolean isJvmLauncher() throws IOException {
        try (var in = Files.newInputStream(binary())) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && head[0] == '#' && head[1] == '!';
        }
    }

    /** Sends a signal (INT, TERM, ...) to a process, as a terminal or a supervisor would. */
    public static void signal(Process p, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + p.pid() + " failed");
        }
    }

    public static ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toString());
        cmd.addAll(Arrays.asList(args));
        return new ProcessBuilder(cmd);
    }

    /** A finished run: exit code, stdout, stderr. */
    public record Result(int exit, String stdout, String stderr) {
        public String all() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** Runs to completion with {@code stdin} as input (a file, or null for no input). */
    public static Result run(Path stdin, Map<String, String> env, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = builder(args);
        pb.environment().putAll(env);
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())
                : ProcessBuilder.Redirect.from(stdin.toFile()));
        Path out = Files.createTempFile("flywheel-out", ".txt");
        Path err = Files.createTempFile("flywheel-err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("flywheel " + String.join(" ", args) + " did not finish in 120 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    public static Result run(Path stdin, String... args) throws IOException, InterruptedException {
        return run(stdin, Map.of(), args);
    }
}
