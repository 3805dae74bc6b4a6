package io.flywheel.cli;

import io.flywheel.config.ConfigDefaults;
import io.flywheel.config.EffectiveConfig;
import io.flywheel.event.TypeClassifier;
import io.flywheel.obs.LogSetup;
import io.quarkus.picocli.runtime.PicocliCommandLineFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Operators get one line, not a stack trace, for the errors they can fix: a missing or unwritable directory, a bad
 * value. Exit 1 for I/O trouble, 2 for bad input; anything else is a bug and keeps its stack trace.
 */
@ApplicationScoped
public class CommandLineSetup {

    @Produces
    CommandLine commandLine(PicocliCommandLineFactory factory) {
        return configure(factory.create(), System.getenv());
    }

    /** Everything the commands share, also for tests and the man page, which build the command line themselves. */
    public static CommandLine configure(CommandLine cl, Map<String, String> env) {
        ConfigDefaults defaults = new ConfigDefaults(env);
        cl.setDefaultValueProvider(defaults);
        cl.setParameterExceptionHandler(Usage::handle);
        cl.setExecutionStrategy(pr -> execute(pr, defaults, env));
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            String who = "flywheel " + cmd.getCommandName() + ": ";
            Throwable e = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (e instanceof IOException io) {
                cmd.getErr().println(who + describe(io));
                return 1;
            }
            if (e instanceof IllegalArgumentException) {
                cmd.getErr().println(who + e.getMessage());
                return Usage.EXIT;
            }
            cmd.getErr().println(who + "internal error: " + e);
            e.printStackTrace(cmd.getErr());
            return 1;
        });
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) {
            addEventTypes(run.getCommandSpec());
        }
        return cl;
    }

    /** Common options take effect before the command runs: logging, the configuration check, --print-config. */
    private static int execute(ParseResult pr, ConfigDefaults defaults, Map<String, String> env) {
        List<CommandLine> chain = pr.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        ParseResult leafResult = pr;
        while (leafResult.hasSubcommand()) {
            leafResult = leafResult.subcommand();
        }
        CommandSpec spec = leaf.getCommandSpec();
        var mixin = spec.mixins().get("common");
        if (mixin != null && !leafResult.isUsageHelpRequested() && !leafResult.isVersionHelpRequested()) {
            CommonOptions common = (CommonOptions) mixin.userObject();
            LogSetup.apply(LogSetup.level(common.logLevel), LogSetup.format(common.logFormat, env));
            defaults.load(spec);
            List<String> unknown = defaults.unknownKeys(allCommands(chain.get(0)));
            if (!unknown.isEmpty()) {
                throw new ParameterException(leaf, defaults.file() + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                        + String.join(", ", unknown) + " (keys are <option> or <command>.<option>, e.g. dir, run.roll-bytes)");
            }
            if (common.printConfig) {
                leaf.getOut().print(EffectiveConfig.table(EffectiveConfig.rows(spec, leafResult, defaults, env), defaults));
                leaf.getOut().flush();
                return 0;
            }
        }
        return new CommandLine.RunLast().execute(pr);
    }

    static List<CommandSpec> allCommands(CommandLine top) {
        List<CommandSpec> all = new ArrayList<>();
        all.add(top.getCommandSpec());
        for (CommandLine sub : top.getSubcommands().values()) {
            all.addAll(allCommands(sub));
        }
        return all;
    }

    /** `run --help` (and the man page) list the built-in vocabulary: what is kept and what is only broadcast. */
    private static void addEventTypes(CommandSpec run) {
        List<String> footer = new ArrayList<>(List.of(run.usageMessage().footer()));
        footer.add("");
        footer.add("Built-in durable types (journaled, shipped): " + String.join(", ", new TreeSet<>(TypeClassifier.DEFAULT_DURABLE)) + ".");
        footer.add("Built-in ephemeral types (broadcast only): " + String.join(", ", new TreeSet<>(TypeClassifier.DEFAULT_EPHEMERAL)) + ".");
        footer.add("Any other type is durable unless --unknown-types says otherwise; fields of each type: docs/EVENTS.md.");
        run.usageMessage().footer(footer.toArray(String[]::new));
    }

    static String describe(IOException e) {
        if (e instanceof NoSuchFileException n && n.getReason() == null) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a && a.getReason() == null) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getFile() == null ? f.getReason() : f.getFile() + ": " + f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
