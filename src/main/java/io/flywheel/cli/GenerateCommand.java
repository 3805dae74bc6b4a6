package io.flywheel.cli;

import io.flywheel.event.SyntheticEvents;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Writes a synthetic stream of session events (NDJSON) to stdout: a demo and benchmark input.",
        footer = {"", "Example:  flywheel generate --count 100000 | flywheel run --dir ./data"})
public class GenerateCommand implements Callable<Integer> {

    @Option(names = {"-n", "--count"}, defaultValue = "10000", description = "Number of events. Default: ${DEFAULT-VALUE}")
    long count;

    @Option(names = "--size", defaultValue = "200", description = "Approximate bytes per event. Default: ${DEFAULT-VALUE}")
    int size;

    @Option(names = "--durable-only", description = "Only durable types (default: a session's mix, a quarter ephemeral).")
    boolean durableOnly;

    @Override
    public Integer call() throws Exception {
        try (OutputStream out = new FileOutputStream(FileDescriptor.out)) {
            SyntheticEvents.write(out, count, size, durableOnly);
        }
        return 0;
    }
}
