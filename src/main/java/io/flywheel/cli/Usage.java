package io.flywheel.cli;

import io.flywheel.config.ConfigDefaults;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Usage and configuration errors, all alike: one line naming the option, the value, what is wrong and an example
 * (and the file or variable the value came from, when it was not typed), then where to read more; exit 2.
 */
final class Usage {
    static final int EXIT = 2;
    private static final Map<String, String> EXAMPLES = Map.ofEntries(
            Map.entry("SIZE", "64MiB"), Map.entry("DURATION", "30s"), Map.entry("BYTES", "200"), Map.entry("N", "16"),
            Map.entry("none|gzip", "gzip"), Map.entry("OCTAL", "0660"), Map.entry("PATH", "/run/flywheel/flywheel.sock"),
            Map.entry("DIR", "/var/lib/flywheel"), Map.entry("CLASS", "ephemeral"), Map.entry("LEVEL", "debug"),
            Map.entry("FORMAT", "json"), Map.entry("TYPE", "text_chunk"));

    private Usage() {
    }

    /** Refuses an option's value after parsing (a range, a combination), before anything is touched. */
    static void require(boolean ok, CommandSpec spec, String option, String reason) {
        if (!ok) {
            OptionSpec o = spec.findOption(option);
            throw new ParameterException(spec.commandLine(), reason, o, text(spec, o));
        }
    }

    /** Refuses a positional parameter. */
    static void requireParam(boolean ok, CommandSpec spec, String value, String reason) {
        if (!ok) {
            throw new ParameterException(spec.commandLine(), "invalid value '" + value + "': " + reason);
        }
    }

    /** The shipping options of run and ship: checked whether or not this run ships, so a typo never waits. */
    static void checkShipOptions(CommandSpec spec, ShipOptions ship) {
        require(ship.retries >= 0, spec, "--retries", "must not be negative");
        long part = io.flywheel.config.ByteSize.parse(ship.partSize);
        require(part >= (5L << 20) && part <= (5L << 30), spec, "--part-size", "must be between 5MiB and 5GiB");
        try {
            ship.toConfig();
        } catch (IllegalArgumentException e) {
            require(!e.getMessage().startsWith("invalid bucket name"), spec, "--bucket", "3 to 63 characters of a-z, 0-9, '.' and '-'");
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The option's value as the operator wrote it: on the command line, in the environment or file, or the default. */
    static String text(CommandSpec spec, OptionSpec o) {
        ParseResult pr = spec.commandLine().getParseResult();
        if (pr != null && pr.hasMatchedOption(o)) {
            List<String> values = pr.matchedOption(o.longestName()).stringValues();
            return values.isEmpty() ? "" : values.get(values.size() - 1);
        }
        if (spec.defaultValueProvider() instanceof ConfigDefaults d) {
            var v = d.supplied(o);
            if (v.isPresent()) {
                return v.get().text();
            }
        }
        return o.defaultValue();
    }

    static int handle(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        CommandSpec spec = cmd.getCommandSpec();
        String who = spec.qualifiedName();
        var err = cmd.getErr();
        err.println(who + ": " + oneLine(ex));
        err.println("see '" + who + " --help'");
        err.flush();
        return EXIT;
    }

    static String oneLine(ParameterException ex) {
        ArgSpec arg = ex.getArgSpec();
        if (arg instanceof OptionSpec o && ex.getValue() != null) {
            String name = o.longestName();
            String reason = reason(ex);
            String source = "";
            ParseResult pr = ex.getCommandLine().getParseResult();
            boolean typed = pr != null && pr.hasMatchedOption(o);
            if (!typed && o.command().defaultValueProvider() instanceof ConfigDefaults d) {
                source = d.supplied(o).map(v -> " (from " + v.source() + ")").orElse("");
            }
            return "invalid " + name + " '" + ex.getValue() + "'" + source + ": " + reason + "; e.g. " + name + " "
                    + example(o);
        }
        if (ex instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            return ex.getMessage() + " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
        }
        return ex.getMessage();
    }

    private static String reason(ParameterException ex) {
        Throwable c = ex.getCause();
        if (c instanceof NumberFormatException) {
            return "not a whole number";
        }
        if (c != null && c.getMessage() != null) {
            String m = c.getMessage();
            // picocli's own conversion messages repeat the value: keep just what is wrong
            return m.startsWith("'") && m.contains("' is not ") ? m.substring(m.indexOf("' is not ") + 2) : m;
        }
        return ex.getMessage();
    }

    static String example(OptionSpec o) {
        String label = o.paramLabel().replaceAll("[<>]", "");
        String byLabel = EXAMPLES.get(label);
        if (byLabel != null) {
            return byLabel;
        }
        if (o.completionCandidates() != null) {
            for (String c : o.completionCandidates()) {
                return c;
            }
        }
        String d = o.defaultValue();
        return d == null || d.isEmpty() ? "16" : d;
    }
}
