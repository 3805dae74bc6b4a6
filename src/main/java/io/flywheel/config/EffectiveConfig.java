package io.flywheel.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** What {@code --print-config} shows: every option's effective value and where it came from, secrets masked. */
public final class EffectiveConfig {
    /** Names that hold credentials: their values are never printed. */
    private static final Pattern SECRET = Pattern.compile("(?i).*(secret|password|token|access[-_]?key|credential).*");
    /** Object store settings read from the environment by the commands that ship. */
    private static final List<String> SHIP_ENV = List.of("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY",
            "MINIO_REGION", "QUARKUS_MINIO_URL", "QUARKUS_MINIO_ACCESS_KEY", "QUARKUS_MINIO_SECRET_KEY");

    public record Row(String name, String value, String source) {
    }

    private EffectiveConfig() {
    }

    public static String mask(String name, String value) {
        return value != null && !value.isEmpty() && SECRET.matcher(name).matches() ? "********" : value;
    }

    public static List<Row> rows(CommandSpec spec, ParseResult parsed, ConfigDefaults defaults, Map<String, String> env) {
        List<Row> rows = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            if (!ConfigDefaults.configurable(o)) {
                continue;
            }
            String source;
            String value;
            if (parsed != null && parsed.hasMatchedOption(o)) {
                source = "command line";
                value = String.join(",", parsed.matchedOption(o.longestName()).stringValues());
            } else {
                var supplied = defaults == null ? java.util.Optional.<ConfigDefaults.Value>empty() : defaults.supplied(o);
                source = supplied.map(ConfigDefaults.Value::source).orElse("default");
                value = supplied.map(ConfigDefaults.Value::text).orElse(o.defaultValue());
            }
            rows.add(new Row(o.longestName(), mask(o.longestName(), value == null ? "" : value), source));
        }
        if (spec.findOption("--bucket") != null) {
            for (String name : SHIP_ENV) {
                String v = env.get(name);
                if (v != null) {
                    rows.add(new Row(name, mask(name, v), "env " + name));
                }
            }
        }
        return rows;
    }

    public static String table(List<Row> rows, ConfigDefaults defaults) {
        int w1 = 6;
        int w2 = 5;
        for (Row r : rows) {
            w1 = Math.max(w1, r.name().length());
            w2 = Math.max(w2, Math.min(r.value().length(), 40));
        }
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + w1 + "s  %-" + w2 + "s  %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "option", "value", "source"));
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, fmt, r.name(), r.value().isEmpty() ? "-" : r.value(), r.source()));
        }
        sb.append("configuration file: ").append(defaults == null || defaults.file() == null
                ? "none (" + ConfigDefaults.SYSTEM_FILE + " does not exist)" : defaults.file()).append('\n');
        return sb.toString();
    }
}
