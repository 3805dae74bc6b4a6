package io.flywheel.cli;

import io.flywheel.config.ConfigDefaults;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The man page flywheel(1) and README's option tables, rendered from the picocli definitions that also print
 * {@code --help}, so the three cannot drift apart. {@code mvnw package} writes {@code target/man/man1/flywheel.1}.
 * Built-in defaults only: the page describes the program, not this host's environment.
 */
@Command(name = "manpage", hidden = true, description = "Prints the man page flywheel(1) (roff), or README's option tables.")
public class ManPage implements Callable<Integer> {

    @Option(names = "--markdown", description = "Print README's option tables (Markdown) instead.")
    boolean markdown;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine top = spec.root().commandLine();
        System.out.print(markdown ? markdown(top) : roff(top));
        System.out.flush();
        return 0;
    }

    /** Commands documented: everything but the help verb and this generator. */
    static List<CommandSpec> commands(CommandLine top) {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandLine c : top.getSubcommands().values()) {
            CommandSpec s = c.getCommandSpec();
            if (!s.usageMessage().hidden() && !s.name().equals("help") && !out.contains(s)) {
                out.add(s);
            }
        }
        return out;
    }

    static String description(OptionSpec o) {
        String d = String.join(" ", o.description());
        return d.replace("${DEFAULT-VALUE}", o.defaultValue() == null ? "none" : o.defaultValue());
    }

    static String synopsis(OptionSpec o) {
        String names = String.join(", ", o.names());
        return o.typeInfo().isBoolean() ? names : names + " " + o.paramLabel();
    }

    /** True for the options every command has ({@link CommonOptions}): documented once, not per command. */
    static boolean common(CommandSpec c, OptionSpec o) {
        CommandSpec mixin = c.mixins().get("common");
        return mixin != null && mixin.options().stream().anyMatch(m -> m.longestName().equals(o.longestName()));
    }

    /**
     * One table per command, between {@code <!-- options:NAME -->} markers in README.md; {@code options:common} holds
     * the options every command has.
     */
    public static String markdownTable(CommandSpec c, boolean commonOnly) {
        StringBuilder sb = new StringBuilder("| option | meaning |\n| --- | --- |\n");
        for (OptionSpec o : c.options()) {
            if (o.usageHelp() || o.versionHelp() || o.hidden() || common(c, o) != commonOnly) {
                continue;
            }
            sb.append("| `").append(synopsis(o).replace("|", "\\|")).append("` | ").append(description(o).replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }

    /** Every table README.md holds, keyed by marker name. */
    public static java.util.Map<String, String> markdownTables(CommandLine top) {
        java.util.Map<String, String> tables = new java.util.LinkedHashMap<>();
        for (CommandSpec c : commands(top)) {
            tables.put(c.name(), markdownTable(c, false));
        }
        tables.put("common", markdownTable(top.getSubcommands().get("run").getCommandSpec(), true));
        return tables;
    }

    static String markdown(CommandLine top) {
        StringBuilder sb = new StringBuilder();
        markdownTables(top).forEach((name, table) -> sb.append("<!-- options:").append(name).append(" -->\n")
                .append(table).append("<!-- /options:").append(name).append(" -->\n\n"));
        return sb.toString();
    }

    static String esc(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        return e.startsWith(".") || e.startsWith("'") ? "\\&" + e : e;
    }

    private static void paragraphs(StringBuilder sb, String[] lines) {
        for (String l : lines) {
            sb.append(l.isBlank() ? ".PP" : esc(l)).append('\n');
        }
    }

    static String roff(CommandLine top) {
        CommandSpec root = top.getCommandSpec();
        StringBuilder sb = new StringBuilder();
        String version = new VersionProvider().getVersion()[0];
        sb.append(".TH FLYWHEEL 1 \"\" \"").append(esc(version)).append("\" \"User Commands\"\n");
        sb.append(".SH NAME\nflywheel \\- ").append(esc(String.join(" ", root.usageMessage().description()))).append('\n');
        sb.append(".SH SYNOPSIS\n.B flywheel\n.I COMMAND\n[\\fIOPTION\\fR]...\n.br\n.B flywheel help\n.I COMMAND\n");
        sb.append(".SH COMMANDS\n");
        for (CommandSpec c : commands(top)) {
            sb.append(".SS \"flywheel ").append(c.name()).append("\"\n");
            paragraphs(sb, c.usageMessage().description());
            for (OptionSpec o : c.options()) {
                if (o.usageHelp() || o.versionHelp() || o.hidden()) {
                    continue;
                }
                sb.append(".TP\n.B ").append(esc(synopsis(o))).append('\n').append(esc(description(o))).append('\n');
            }
            if (c.usageMessage().footer().length > 0) {
                sb.append(".PP\n");
                paragraphs(sb, c.usageMessage().footer());
            }
        }
        sb.append(".SH CONFIGURATION\n").append(esc("Every option of every command (but --help, --version, --config and "
                + "--print-config) can be set, from the highest precedence to the lowest:")).append('\n');
        String[][] rows = {
            {"on the command line", "--roll-bytes 8MiB"},
            {"in the environment, for one command", "FLYWHEEL_RUN_ROLL_BYTES=8MiB"},
            {"in the environment, for every command with that option", "FLYWHEEL_ROLL_BYTES=8MiB"},
            {"in the configuration file, for one command", "run.roll-bytes=8MiB"},
            {"in the configuration file, for every command with that option", "roll-bytes=8MiB"},
            {"the built-in default", ""}};
        for (String[] r : rows) {
            sb.append(".TP\n").append(esc(r[0])).append('\n').append(r[1].isEmpty() ? "(see each option)" : ".B " + esc(r[1])).append('\n');
        }
        sb.append(".PP\n").append(esc("The configuration file is --config FILE, else $FLYWHEEL_CONFIG, else "
                + ConfigDefaults.SYSTEM_FILE + " when it exists (Java properties; an unknown key is an error). "
                + "flywheel COMMAND --print-config shows each effective value and its source.")).append('\n');
        sb.append(".SH ENVIRONMENT\n");
        String[][] env = {
            {"FLYWHEEL_<COMMAND>_<OPTION>, FLYWHEEL_<OPTION>", "option values, see CONFIGURATION"},
            {"FLYWHEEL_CONFIG", "the configuration file"},
            {"MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY, MINIO_REGION", "the object store for ship and run --ship-every (never on the command line)"},
            {"JOURNAL_STREAM", "set by systemd: logs carry syslog priority prefixes and no time stamp"},
            {"NOTIFY_SOCKET, WATCHDOG_USEC", "set by systemd: readiness, status and watchdog notifications"},
            {"FLYWHEEL_JAVA_HOME, FLYWHEEL_JAVA_OPTS", "the JDK and JVM options of the JVM launcher"}};
        for (String[] r : env) {
            sb.append(".TP\n.B ").append(esc(r[0])).append('\n').append(esc(r[1])).append('\n');
        }
        sb.append(".SH FILES\n.TP\n.B ").append(esc(ConfigDefaults.SYSTEM_FILE)).append("\nthe configuration file\n")
                .append(".TP\n.B DIR/segments/\nsealed segments (*.jsonl) and the one being written (*.jsonl.open)\n")
                .append(".TP\n.B DIR/metrics.prom\nPrometheus metrics of the (last) run\n");
        sb.append(".SH EXIT STATUS\n").append(esc("0 success; 1 failure (data could not be made durable, corruption "
                + "found, segments left unshipped, a connection failed); 2 usage or configuration error (a bad option "
                + "value, a wrong --dir); 130 a second Ctrl-C; 141 the reader of stdout went away.")).append('\n');
        sb.append(".SH SEE ALSO\n.BR systemd.service (5),\n.BR journalctl (1)\n");
        return sb.toString();
    }
}
