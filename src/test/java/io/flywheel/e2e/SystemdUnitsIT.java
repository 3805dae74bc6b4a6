package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** native/systemd as an operator installs it: units that systemd accepts, data the flywheel group can read. */
class SystemdUnitsIT {
    static final Path UNITS = Path.of("native/systemd");

    @TempDir
    Path tmp;

    @Test
    void unitsPassSystemdAnalyzeVerifyWithTheManPageInstalled() throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (analyze == null) {
            System.out.println("SKIPPED systemd-analyze verify: systemd-analyze is not installed on this machine");
            return;
        }
        // installed as the README says: the binary at ExecStart=, the man page on the MANPATH
        List<String> args = new ArrayList<>(List.of(analyze.toString(), "verify"));
        try (Stream<Path> s = Files.list(UNITS)) {
            for (Path unit : s.filter(p -> p.toString().matches(".*\\.(service|socket|timer)$")).sorted().toList()) {
                String text = Files.readString(unit).replace("/usr/local/bin/flywheel", Flywheel.binary().toString());
                args.add(Files.writeString(tmp.resolve(unit.getFileName()), text).toString());
            }
        }
        assertEquals(6, args.size(), "four units: " + args);
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        pb.environment().put("MANPATH", Flywheel.binary().resolveSibling("man").toString());
        pb.environment().put("SYSTEMD_LOG_LEVEL", "warning");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify has no complaint");
    }

    @Test
    void dataIsGroupReadableUnderAStaticUserAndNoPlaceholderLinks() throws Exception {
        for (String name : List.of("flywheel.service", "flywheel-ship.service")) {
            String unit = Files.readString(UNITS.resolve(name));
            assertFalse(unit.contains("DynamicUser=yes"), name + ": a DynamicUser's state lives in /var/lib/private, mode 0700");
            assertTrue(unit.contains("\nUser=flywheel\n") && unit.contains("\nGroup=flywheel\n"), name);
            assertTrue(unit.contains("\nStateDirectoryMode=0750\n") && unit.contains("\nUMask=0027\n"), name);
            assertTrue(unit.contains("\nProtectSystem=strict\n") && unit.contains("\nNoNewPrivileges=yes\n"), name + ": hardening kept");
        }
        try (Stream<Path> s = Files.list(UNITS)) {
            for (Path unit : s.toList()) {
                assertFalse(Files.readString(unit).contains("https://github.com/flywheel"), unit + ": no placeholder links");
            }
        }
        assertTrue(Files.readString(UNITS.resolve("flywheel.sysusers")).startsWith("#"), "the static user is declared");
    }
}
