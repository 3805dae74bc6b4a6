package io.flywheel.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One configuration story for every option of every command. Picocli asks this provider only for options that were
 * not given on the command line, so a flag always wins; after it, in this order:
 * <ol>
 *   <li>{@code FLYWHEEL_<COMMAND>_<OPTION>}, e.g. {@code FLYWHEEL_RUN_ROLL_BYTES=8MiB};</li>
 *   <li>{@code FLYWHEEL_<OPTION>}, e.g. {@code FLYWHEEL_DIR=/var/lib/flywheel} (every command with that option);</li>
 *   <li>the configuration file ({@code --config FILE}, else {@code FLYWHEEL_CONFIG}, else
 *       {@value #SYSTEM_FILE} when it exists): key {@code <command>.<option>}, then {@code <option>};</li>
 *   <li>the built-in default.</li>
 * </ol>
 * Option names are the long names without dashes ({@code --roll-bytes}: {@code ROLL_BYTES} in the environment,
 * {@code roll-bytes} in the file). Where each value came from is remembered for {@code --print-config} and for
 * error messages: an operator who set a bad value in a file must be told which file.
 */
public final class ConfigDefaults implements IDefaultValueProvider {
    public static final String SYSTEM_FILE = "/etc/flywheel/flywheel.properties";
    public static final String CONFIG_ENV = "FLYWHEEL_CONFIG";
    public static final String PREFIX = "FLYWHEEL_";
    /** Options that steer the configuration or print instead of running: never read from the environment or a file. */
    public static final Set<String> NOT_CONFIGURABLE = Set.of("--help", "--version", "--config", "--print-config");

    /** A value and where it came from: "command line", "env FLYWHEEL_DIR", "/etc/...: run.dir", "default". */
    public record Value(String text, String source) {
    }

    private final Map<String, String> env;
    private final Supplier<Path> systemFile;
    private final Map<ArgSpec, Value> supplied = new IdentityHashMap<>();
    private Path loadedFrom;
    private Properties file;

    public ConfigDefaults(Map<String, String> env) {
        this(env, () -> Path.of(SYSTEM_FILE));
    }

    ConfigDefaults(Map<String, String> env, Supplier<Path> systemFile) {
        this.env = env;
        this.systemFile = systemFile;
    }

    public static String envName(String command, OptionSpec option) {
        return PREFIX + (command == null ? "" : upper(command) + "_") + upper(bare(option));
    }

    public static String fileKey(String command, OptionSpec option) {
        return (command == null ? "" : command + ".") + bare(option);
    }

    private static String bare(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    private static String upper(String s) {
        return s.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** True for options that can come from the environment or the file. */
    public static boolean configurable(ArgSpec arg) {
        return arg instanceof OptionSpec o && !NOT_CONFIGURABLE.contains(o.longestName()) && o.longestName().startsWith("--");
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        Optional<Value> v;
        try {
            v = lookup(arg);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ParameterException(arg.command().commandLine(), e.getMessage());
        }
        v.ifPresent(value -> supplied.put(arg, value));
        return v.map(Value::text).orElse(arg.defaultValue());
    }

    /** Where an option's value came from when it was not on the command line (built-in default: empty). */
    public Optional<Value> lookup(ArgSpec arg) {
        if (!configurable(arg)) {
            return Optional.empty();
        }
        OptionSpec o = (OptionSpec) arg;
        String command = o.command().name();
        for (String name : List.of(envName(command, o), envName(null, o))) {
            String v = env.get(name);
            if (v != null) {
                return Optional.of(new Value(v, "env " + name));
            }
        }
        Properties props = file(o.command());
        if (props != null) {
            for (String key : List.of(fileKey(command, o), fileKey(null, o))) {
                String v = props.getProperty(key);
                if (v != null) {
                    return Optional.of(new Value(v.strip(), loadedFrom + ": " + key));
                }
            }
        }
        return Optional.empty();
    }

    /** The value this provider supplied for an option in this run, if it did. */
    public Optional<Value> supplied(ArgSpec arg) {
        return Optional.ofNullable(supplied.get(arg));
    }

    /** The configuration file in effect, or null. */
    public Path file() {
        return loadedFrom;
    }

    /** Reads the configuration file now (it is otherwise read at the first option it may supply). */
    public void load(CommandSpec command) {
        file(command);
    }

    private Properties file(CommandSpec command) {
        if (file != null) {
            return file;
        }
        Path path = null;
        boolean mustExist = true;
        OptionSpec config = command.findOption("--config");
        if (config != null && config.getValue() != null) {
            path = Path.of(config.getValue().toString());
        } else if (env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
            path = Path.of(env.get(CONFIG_ENV));
        } else {
            path = systemFile.get();
            mustExist = false;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            if (mustExist) {
                throw new IllegalArgumentException("configuration file " + path + " does not exist");
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read configuration file " + path + ": " + e.getMessage(), e);
        }
        loadedFrom = path;
        file = p;
        return p;
    }

    /**
     * Keys of the file that name no option of any command: a typo there would otherwise be ignored silently.
     *
     * @param commands every command of the program (the top command and its subcommands)
     */
    public List<String> unknownKeys(Collection<CommandSpec> commands) {
        if (file == null) {
            return List.of();
        }
        Set<String> known = new TreeSet<>();
        for (CommandSpec c : commands) {
            for (OptionSpec o : c.options()) {
                if (configurable(o)) {
                    known.add(fileKey(null, o));
                    known.add(fileKey(c.name(), o));
                }
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String k : file.stringPropertyNames()) {
            if (!known.contains(k)) {
                unknown.add(k);
            }
        }
        unknown.sort(null);
        return unknown;
    }
}
