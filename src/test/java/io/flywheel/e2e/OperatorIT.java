package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator meets first: error messages, help, configuration, terminal output and logs (issue 12). */
class OperatorIT {
    static final Path SAMPLE = Path.of("src/test/resources/sample-session.jsonl");

    @TempDir
    Path tmp;

    /** Exit 2, one line naming option, value and an example, then where to read more; nothing created. */
    private void refused(Map<String, String> env, String expect, String... args) throws Exception {
        Flywheel.Result r = Flywheel.run(SAMPLE, env, args);
        assertEquals(2, r.exit(), r.all());
        List<String> lines = r.stderr().lines().toList();
        assertEquals(2, lines.size(), "one line, then the pointer to help: " + r.all());
        assertTrue(lines.get(0).startsWith("flywheel " + args[0] + ": "), r.all());
        assertTrue(lines.get(0).contains(expect), "expected '" + expect + "' in: " + lines.get(0));
        assertEquals("see 'flywheel " + args[0] + " --help'", lines.get(1));
        assertFalse(r.stderr().contains("Exception"), "no Java terms: " + r.all());
    }

    @Test
    void badValuesAreOneLineWithTheOptionTheValueAndAnExampleExit2AndTouchNothing() throws Exception {
        Path d = tmp.resolve("d2");
        String dir = d.toString();
        refused(Map.of(), "invalid --roll-bytes 'banana': not a size", "run", "--dir", dir, "--roll-bytes", "banana");
        refused(Map.of(), "e.g. --roll-bytes 64MiB", "run", "--dir", dir, "--roll-bytes", "banana");
        refused(Map.of(), "invalid --roll-age 'Pfoo': not a duration", "run", "--dir", dir, "--roll-age", "Pfoo");
        refused(Map.of(), "invalid --unknown-types 'banana': must be durable or ephemeral", "run", "--unknown-types", "banana", "--dir", dir);
        refused(Map.of(), "invalid --metrics-interval '0': must be more than 0", "run", "--dir", dir, "--metrics-interval", "0");
        refused(Map.of(), "invalid --roll-bytes '0'", "run", "--dir", dir, "--roll-bytes", "0");
        refused(Map.of(), "invalid --compress 'zstd': must be none or gzip", "run", "--dir", dir, "--compress", "zstd");
        refused(Map.of("FLYWHEEL_RUN_ROLL_BYTES", "zz"), "(from env FLYWHEEL_RUN_ROLL_BYTES)", "run", "--dir", dir);
        // it would be ignored: only a run that ships can pause for its backlog
        refused(Map.of(), "--max-backlog", "run", "--dir", dir, "--max-backlog", "1GiB");
        refused(Map.of(), "needs --ship-every", "run", "--dir", dir, "--max-backlog", "1GiB");
        assertFalse(Files.exists(d), "a refused option leaves no directory behind");
        refused(Map.of(), "invalid --keep-shipped 'P1x'", "ship", "--dir", dir, "--keep-shipped", "P1x");
        refused(Map.of(), "invalid --count '-5': must not be negative", "generate", "--count", "-5");
        refused(Map.of(), "did you mean --roll-bytes", "run", "--rol-bytes", "5");
        Flywheel.Result verify = Flywheel.run(null, "verify", "--dir", dir);
        assertEquals(2, verify.exit(), verify.all());
        assertFalse(Files.exists(d));
    }

    @Test
    void helpVerbListsTheEventTypesAndCompletionCompletesOptionsAndValues() throws Exception {
        Flywheel.Result help = Flywheel.run(null, "help", "run");
        assertEquals(0, help.exit(), help.all());
        String text = help.stdout().replaceAll("\\s+", " ");
        assertTrue(text.contains("--roll-bytes=SIZE") || text.contains("--roll-bytes SIZE"), text);
        assertTrue(text.contains("Built-in durable types (journaled, shipped): approval_request, compaction_completed"), text);
        assertTrue(text.contains("Built-in ephemeral types (broadcast only): play_break, rlm_progress"), text);
        assertTrue(text.contains("FLYWHEEL_") || text.contains("--config"), "configuration is discoverable: " + text);

        Path script = tmp.resolve("flywheel.bash");
        Flywheel.Result completion = Flywheel.run(null, "completion", "bash");
        assertEquals(0, completion.exit(), completion.all());
        Files.writeString(script, completion.stdout());
        assertEquals(completion.stdout(), Flywheel.run(null, "completion", "zsh").stdout(), "one script serves both shells");
        Process bash = new ProcessBuilder("bash", "-c", "source " + script + " 2>/dev/null; "
                + "COMP_WORDS=(flywheel run --roll-); COMP_CWORD=2; _complete_flywheel 2>/dev/null; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(flywheel run --unknown-types ''); COMP_CWORD=3; _complete_flywheel 2>/dev/null; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(flywheel ''); COMP_CWORD=1; _complete_flywheel 2>/dev/null; echo \"${COMPREPLY[*]}\"")
                .redirectErrorStream(true).start();
        List<String> out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(bash.waitFor(20, TimeUnit.SECONDS));
        assertEquals(List.of("--roll-bytes --roll-age --roll-idle", "durable ephemeral",
                "run emit tap follow verify ship status generate help completion"), out);

        Path man = Flywheel.binary().resolveSibling("man/man1/flywheel.1");
        assertTrue(Files.isRegularFile(man), "mvnw package installs the man page at " + man);
        String page = Files.readString(man);
        assertTrue(page.startsWith(".TH FLYWHEEL 1"), page.substring(0, 40));
        assertTrue(page.contains("\\-\\-roll\\-bytes SIZE") && page.contains(".SH CONFIGURATION"), "man page from the same definitions");
    }

    @Test
    void everyOptionComesFromAFlagTheEnvironmentOrTheFileInThatOrderAndPrintConfigSaysWhere() throws Exception {
        Path data = tmp.resolve("data");
        assertEquals(0, Flywheel.run(SAMPLE, "run", "--dir", data.toString()).exit());
        Path file = Files.writeString(tmp.resolve("flywheel.properties"),
                "dir=" + data + "\nrun.roll-bytes=8MiB\nroll-age=10m\nroll-idle=1m\nmetrics-interval=7s\n");
        Flywheel.Result pc = Flywheel.run(null, Map.of("FLYWHEEL_CONFIG", file.toString(), "FLYWHEEL_ROLL_AGE", "2m",
                        "FLYWHEEL_RUN_ROLL_IDLE", "3m", "FLYWHEEL_ROLL_IDLE", "4m", "MINIO_SECRET_KEY", "hush-hush"),
                "run", "--print-config", "--metrics-interval", "9s");
        assertEquals(0, pc.exit(), pc.all());
        assertTrue(pc.stdout().matches("(?s).*--dir +" + data + " +" + file + ": dir\n.*"), pc.stdout());
        assertTrue(pc.stdout().matches("(?s).*--roll-bytes +8MiB +" + file + ": run.roll-bytes\n.*"), pc.stdout());
        assertTrue(pc.stdout().matches("(?s).*--roll-age +2m +env FLYWHEEL_ROLL_AGE\n.*"), pc.stdout());
        assertTrue(pc.stdout().matches("(?s).*--roll-idle +3m +env FLYWHEEL_RUN_ROLL_IDLE\n.*"), pc.stdout());
        assertTrue(pc.stdout().matches("(?s).*--metrics-interval +9s +command line\n.*"), pc.stdout());
        assertTrue(pc.stdout().matches("(?s).*--disk-retry +60s +default\n.*"), pc.stdout());
        assertTrue(pc.stdout().contains("MINIO_SECRET_KEY") && !pc.stdout().contains("hush-hush"), "secrets masked: " + pc.stdout());
        assertFalse(Files.exists(tmp.resolve("flywheel-data")), "--print-config runs nothing");

        // a systemd host: plain `flywheel status` finds its directory through the file or the environment
        Flywheel.Result status = Flywheel.run(null, Map.of("FLYWHEEL_CONFIG", file.toString()), "status", "--json");
        assertEquals(0, status.exit(), status.all());
        assertTrue(status.stdout().contains("\"dir\":\"" + data), status.stdout());
        assertEquals(0, Flywheel.run(null, Map.of("FLYWHEEL_DIR", data.toString()), "verify").exit());

        Files.writeString(file, "rol-bytes=1\n");
        refused(Map.of("FLYWHEEL_CONFIG", file.toString()), file + ": unknown key rol-bytes", "status");
        refused(Map.of(), "configuration file " + tmp.resolve("none.properties") + " does not exist",
                "status", "--config", tmp.resolve("none.properties").toString());
    }

    @Test
    void metricsFileIsWrittenBesideDirMetrics() throws Exception {
        Path data = tmp.resolve("data");
        Path textfile = Files.createDirectories(tmp.resolve("textfile_collector"));
        Flywheel.Result r = Flywheel.run(SAMPLE, "run", "--dir", data.toString(), "--metrics-file",
                textfile.resolve("flywheel.prom").toString());
        assertEquals(0, r.exit(), r.all());
        assertTrue(Files.readString(textfile.resolve("flywheel.prom")).contains("flywheel_up 0"));
        assertTrue(Files.exists(data.resolve("metrics.prom")), "status still finds the live figures in DIR");
        refused(Map.of(), "invalid --metrics-file", "run", "--dir", data.toString(), "--metrics-file",
                tmp.resolve("no/such/dir/f.prom").toString());
    }

    @Test
    void generateIntoAClosedPipeExitsQuietly() throws Exception {
        Process p = Flywheel.builder("generate", "--count", "10000000").redirectError(ProcessBuilder.Redirect.PIPE).start();
        try (InputStream in = p.getInputStream()) {
            while (in.read() != '\n') {
                // like `head -1`: one line, then the reader goes away
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("", err, "no 'Broken pipe' message");
        assertEquals(141, p.exitValue(), "128 + SIGPIPE, as a Unix tool killed by the closed pipe");
    }

    @Test
    void runOnATerminalSaysItReadsStdinAndLeavesNoProgressLineBehind() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/script"))) {
            System.out.println("SKIPPED: util-linux script(1) is not installed, no pseudo-terminal to test with");
            return;
        }
        Path dir = tmp.resolve("tty");
        // script(1) gives flywheel a terminal; its own stdin is empty, so the terminal sends end of input (Ctrl-D)
        Process p = new ProcessBuilder("script", "-qec", Flywheel.binary() + " run --progress --dir " + dir, "/dev/null")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("reading NDJSON events from stdin (this terminal)") && out.contains("Ctrl-D ends"), out);
        assertFalse(out.contains(" ev/s "), "the --progress line is erased at exit: " + out);
    }

    @Test
    void logsCarrySyslogPrioritiesUnderSystemdAndJsonOnRequest() throws Exception {
        Path data = tmp.resolve("data");
        assertEquals(0, Flywheel.run(SAMPLE, "run", "--dir", data.toString(), "--roll-idle", "1s").exit());
        Map<String, String> unreachable = Map.of("MINIO_ENDPOINT", "http://127.0.0.1:9", "MINIO_ACCESS_KEY", "a",
                "MINIO_SECRET_KEY", "b");
        Map<String, String> journald = new java.util.HashMap<>(unreachable);
        journald.put("JOURNAL_STREAM", "8:12345");
        Flywheel.Result j = Flywheel.run(null, journald, "ship", "--dir", data.toString(), "--retries", "0", "--log-level", "debug");
        List<String> logLines = j.stderr().lines().filter(l -> l.startsWith("<")).toList();
        assertFalse(logLines.isEmpty(), j.all());
        for (String l : logLines) {
            assertTrue(l.matches("<[3-7]>.*"), l);
            assertFalse(l.matches("<\\d>\\d\\d:\\d\\d:\\d\\d.*"), "journald stamps lines itself: " + l);
        }
        Flywheel.Result json = Flywheel.run(null, unreachable, "ship", "--dir", data.toString(), "--retries", "0",
                "--log-level", "debug", "--log-format", "json");
        List<String> jl = json.stderr().lines().filter(l -> l.startsWith("{\"time\":")).toList();
        assertFalse(jl.isEmpty(), json.all());
        for (String l : jl) {
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
            assertTrue(node.has("level") && node.has("logger") && node.has("message"), l);
        }
        refused(Map.of(), "invalid --log-format 'xml': must be auto, text, journal or json", "status", "--log-format", "xml");
    }
}
