package io.flywheel.cli;

import io.flywheel.event.SyntheticEvents;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Writes a synthetic stream of session events (NDJSON) to stdout: a demo and benchmark input.",
        footer = {"", "Example:  flywheel generate --count 100000 | flywheel run --dir ./data"})
public class GenerateCommand implements Callable<Integer> {

    @Option(names = {"-n", "--count"}, defaultValue = "10000", paramLabel = "N", description = "Number of events. Default: ${DEFAULT-VALUE}")
    long count;

    @Option(names = "--size", defaultValue = "200", paramLabel = "BYTES", description = "Approximate bytes per event (16..16777216). Default: ${DEFAULT-VALUE}")
    int size;

    @Option(names = "--durable-only", description = "Only durable types (default: a session's mix, a quarter ephemeral).")
    boolean durableOnly;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Usage.require(count >= 0, spec, "--count", "must not be negative");
        Usage.require(size >= 16 && size <= (16 << 20), spec, "--size", "must be between 16 and 16777216");
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        try {
            SyntheticEvents.write(out, count, size, durableOnly);
            out.close();
        } catch (IOException e) {
            if (Pipes.isBrokenPipe(e)) {
                // the reader went away (`generate | head -1`): stop quietly with SIGPIPE's status, as Unix tools do
                return Pipes.EXIT_SIGPIPE;
            }
            throw e;
        }
        return 0;
    }
}
