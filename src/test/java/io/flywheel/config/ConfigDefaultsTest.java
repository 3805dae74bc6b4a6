package io.flywheel.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The precedence: flag, FLYWHEEL_<COMMAND>_<OPTION>, FLYWHEEL_<OPTION>, file <command>.<option>, file <option>, default. */
class ConfigDefaultsTest {
    @TempDir
    Path tmp;

    @Command(name = "run")
    static class Run {
        @Option(names = "--config") Path config;
        @Option(names = "--a", defaultValue = "built-in") String a;
        @Option(names = "--b", defaultValue = "built-in") String b;
        @Option(names = "--c", defaultValue = "built-in") String c;
        @Option(names = "--d", defaultValue = "built-in") String d;
        @Option(names = "--e", defaultValue = "built-in") String e;
        @Option(names = "--f", defaultValue = "built-in") String f;
        @Option(names = "--flag") boolean flag;
    }

    private Run parse(Map<String, String> env, Path systemFile, String... args) {
        Run run = new Run();
        CommandLine cl = new CommandLine(run);
        ConfigDefaults d = new ConfigDefaults(env, () -> systemFile);
        cl.setDefaultValueProvider(d);
        cl.parseArgs(args);
        return run;
    }

    @Test
    void eachSourceWinsOverTheOnesBelowIt() throws Exception {
        Path file = Files.writeString(tmp.resolve("f.properties"),
                "run.a=file-cmd\na=file-any\nrun.b=file-cmd\nb=file-any\nrun.c=file-cmd\nc=file-any\nd=file-any\nrun.d=file-cmd\ne=file-any\nflag=true\n");
        Map<String, String> env = new HashMap<>(Map.of("FLYWHEEL_RUN_A", "env-cmd", "FLYWHEEL_A", "env-any",
                "FLYWHEEL_B", "env-any", "FLYWHEEL_RUN_B", "env-cmd", "FLYWHEEL_C", "env-any"));
        Run r = parse(env, file, "--a", "flag");
        assertEquals("flag", r.a);
        assertEquals("env-cmd", r.b);
        assertEquals("env-any", r.c);
        assertEquals("file-cmd", r.d);
        assertEquals("file-any", r.e);
        assertEquals("built-in", r.f);
        assertEquals(true, r.flag, "booleans too");
    }

    @Test
    void theFileIsConfigThenFlywheelConfigThenTheSystemFileWhenItExists() throws Exception {
        Path system = Files.writeString(tmp.resolve("system.properties"), "a=system\n");
        Path env = Files.writeString(tmp.resolve("env.properties"), "a=env-file\n");
        Path flag = Files.writeString(tmp.resolve("flag.properties"), "a=flag-file\n");
        assertEquals("system", parse(Map.of(), system).a);
        assertEquals("built-in", parse(Map.of(), tmp.resolve("absent")).a, "no system file is fine");
        assertEquals("env-file", parse(Map.of("FLYWHEEL_CONFIG", env.toString()), system).a);
        assertEquals("flag-file", parse(Map.of("FLYWHEEL_CONFIG", env.toString()), system, "--config", flag.toString()).a);
        assertThrows(CommandLine.ParameterException.class,
                () -> parse(Map.of(), system, "--config", tmp.resolve("missing").toString()), "a named file must exist");
    }

    @Test
    void unknownKeysAreReported() throws Exception {
        Path file = Files.writeString(tmp.resolve("f.properties"), "a=1\nrun.b=2\nrun.zz=3\nroll-bites=4\n");
        Run run = new Run();
        CommandLine cl = new CommandLine(run);
        ConfigDefaults d = new ConfigDefaults(Map.of(), () -> file);
        cl.setDefaultValueProvider(d);
        cl.parseArgs();
        assertEquals(List.of("roll-bites", "run.zz"), d.unknownKeys(List.of(cl.getCommandSpec())));
    }

    @Test
    void namesFollowOneRule() {
        CommandLine cl = new CommandLine(new Run());
        var o = cl.getCommandSpec().findOption("--flag");
        assertEquals("FLYWHEEL_RUN_FLAG", ConfigDefaults.envName("run", o));
        assertEquals("FLYWHEEL_FLAG", ConfigDefaults.envName(null, o));
        assertEquals("run.flag", ConfigDefaults.fileKey("run", o));
        assertEquals("********", EffectiveConfig.mask("MINIO_SECRET_KEY", "s3cr3t"));
        assertEquals("http://x", EffectiveConfig.mask("MINIO_ENDPOINT", "http://x"));
    }
}
