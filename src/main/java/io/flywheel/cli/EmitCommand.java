package io.flywheel.cli;

import io.flywheel.client.EmitClient;
import java.io.BufferedInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "emit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Sends NDJSON events from stdin to a `flywheel run --socket` server and waits until every line is acked "
                + "(durable events fsynced, ephemeral ones broadcast, rejected ones recorded).",
            "",
            "The last line on stdout is always {\"sent\":S,\"acked\":A,\"rejected\":R}; the first A lines are safe. "
                + "Exits 0 only when every line was acked and none rejected; 1 otherwise, with the reason on stderr."},
        footer = {"", "Example:  agent | flywheel emit --socket /run/flywheel/flywheel.sock"})
public class EmitCommand implements Callable<Integer> {

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/flywheel/flywheel.sock",
            description = "The server's socket. Default: ${DEFAULT-VALUE}")
    Path socket;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        EmitClient.Summary s = new EmitClient(socket, System.err)
                .emit(new BufferedInputStream(new FileInputStream(FileDescriptor.in), 1 << 16));
        if (s.error() != null) {
            System.err.println("flywheel emit: " + s.error());
        } else if (s.rejected() > 0) {
            System.err.println("flywheel emit: " + s.rejected() + " of " + s.sent() + " lines rejected");
        }
        System.out.println(s.json());
        System.out.flush();
        return s.ok() ? 0 : 1;
    }
}
