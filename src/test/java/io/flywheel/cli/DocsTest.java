package io.flywheel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.event.TypeClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** README's option tables and docs/EVENTS.md say what the code does: checked against the same definitions. */
class DocsTest {
    static final Path README = Path.of("README.md");

    @Test
    void readmeOptionTablesAreTheHelpDefinitions() throws Exception {
        CommandLine top = CommandLineSetup.configure(new CommandLine(new FlywheelCommand()), Map.of());
        String readme = Files.readString(README);
        for (var e : ManPage.markdownTables(top).entrySet()) {
            String begin = "<!-- options:" + e.getKey() + " -->\n";
            String end = "<!-- /options:" + e.getKey() + " -->";
            int b = readme.indexOf(begin);
            int en = readme.indexOf(end);
            assertTrue(b >= 0 && en > b, "README.md lacks the table for " + e.getKey()
                    + "; paste the output of `target/flywheel manpage --markdown`");
            assertEquals(e.getValue(), readme.substring(b + begin.length(), en),
                    "README.md's options of " + e.getKey() + " differ from --help: paste `target/flywheel manpage --markdown`");
        }
    }

    @Test
    void eventsMdListsTheBuiltInTypes() throws Exception {
        String events = Files.readString(Path.of("docs/EVENTS.md"));
        String durable = events.substring(events.indexOf("## Durable"), events.indexOf("## Ephemeral"));
        String ephemeral = events.substring(events.indexOf("## Ephemeral"), events.indexOf("## Unknown"));
        assertEquals(new TreeSet<>(TypeClassifier.DEFAULT_DURABLE), types(durable));
        assertEquals(new TreeSet<>(TypeClassifier.DEFAULT_EPHEMERAL), types(ephemeral));
        assertTrue(Files.readString(README).contains("(docs/EVENTS.md)"), "README links the vocabulary");
    }

    private static Set<String> types(String section) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(section);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
