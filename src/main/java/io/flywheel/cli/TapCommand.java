package io.flywheel.cli;

import io.flywheel.client.TapClient;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tap", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Prints the live events of a `flywheel run --socket` server as NDJSON on stdout, as they flow.",
            "",
            "A tap never slows producers: when it falls behind it prints {\"lagged\":N} (N events skipped) and goes on "
                + "with the newest. Exits 0 when the server ends the stream, 1 when it cannot connect."},
        footer = {"", "Example:  flywheel tap --type text_chunk --type tool_output_chunk | jq -r .type"})
public class TapCommand implements Callable<Integer> {

    @Option(names = "--socket", paramLabel = "PATH", defaultValue = "/run/flywheel/flywheel.sock",
            description = "The server's socket. Default: ${DEFAULT-VALUE}")
    Path socket;

    @Mixin
    CommonOptions common;

    @Option(names = "--type", paramLabel = "TYPE", split = ",", description = "Only these event types (repeatable; default: all).")
    List<String> types = new ArrayList<>();

    @Option(names = "--durable-only", description = "Only durable events.")
    boolean durableOnly;

    @Option(names = "--committed", description = "Only durable events, each once the journal has fsynced it.")
    boolean committed;

    @Option(names = "--from-seq", paramLabel = "N", description = "First replay durable events from seq N out of the journal, then go on live without a gap or a repeat.")
    Long fromSeq;

    @Option(names = "--name", paramLabel = "NAME", description = "Label of this tap in metrics (flywheel_subscriber_dropped_total{subscriber=NAME}); default: tap:<user>.")
    String name;

    @Option(names = "--envelope", description = "Print {\"seq\":N,\"class\":\"durable\",\"src\":...,\"event\":...} per event (no seq for ephemeral events).")
    boolean envelope;

    @Override
    public Integer call() {
        BufferedOutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        TapClient.Request request = new TapClient.Request(types, durableOnly, committed, fromSeq == null ? -1 : fromSeq, name, envelope);
        String error = TapClient.tap(socket, request, out, () -> { });
        if (error != null) {
            System.err.println("flywheel tap: " + error);
            return 1;
        }
        return 0;
    }
}
