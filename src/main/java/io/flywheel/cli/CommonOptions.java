package io.flywheel.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command has: where configuration comes from, how it logs, and showing the effective settings. */
public class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", order = 900,
            description = "Read option values from this properties file (keys `<option>` or `<command>.<option>`, "
                    + "e.g. dir=/var/lib/flywheel, run.roll-bytes=8MiB) instead of " + io.flywheel.config.ConfigDefaults.SYSTEM_FILE
                    + " (env FLYWHEEL_CONFIG).")
    Path config;

    @Option(names = "--print-config", order = 901,
            description = "Print every option's effective value and where it came from (command line, environment, "
                    + "file, default), secrets masked, then exit.")
    boolean printConfig;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "info", order = 902,
            completionCandidates = ChoiceConverters.LogLevels.class, converter = ChoiceConverters.LogLevels.class,
            description = "Log level of Flywheel's own log lines on stderr: error, warn, info or debug. Default: ${DEFAULT-VALUE}")
    String logLevel;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "auto", order = 903,
            completionCandidates = ChoiceConverters.LogFormats.class, converter = ChoiceConverters.LogFormats.class,
            description = "text (with time), journal (syslog priority prefixes like <4>, no time: journald adds it), "
                    + "json (one object per line, for log shippers); auto picks journal under systemd (JOURNAL_STREAM "
                    + "set), text otherwise. Default: ${DEFAULT-VALUE}")
    String logFormat;
}
