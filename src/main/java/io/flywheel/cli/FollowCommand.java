package io.flywheel.cli;

import io.flywheel.follow.Follower;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "follow", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Prints the journal's durable events from DIR in seq order, each exactly once: from shipped/, the sealed "
                + "segments and the open one. With -f it keeps printing new events across segment rolls until Ctrl-C.",
            "",
            "It only reads files (no socket, no write permission needed). Start at --from-seq N, at --since TIME, or "
                + "at the last -n N events; by default at the oldest event still in DIR (with -f alone: the last 10).",
            "Exit status: 0; 1 when reading the journal fails; 2 when DIR is not a data directory or an option is wrong."},
        footer = {"", "Example:  flywheel follow --dir ./data -f --type tool_call | jq -c ."})
public class FollowCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "flywheel-data", description = "Data directory. Default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = {"-f", "--follow"}, description = "Keep following new events until Ctrl-C.")
    boolean follow;

    @Option(names = "--from-seq", paramLabel = "N", description = "Start at this sequence number.")
    Long fromSeq;

    @Option(names = "--since", paramLabel = "TIME", description = "Start at the first event received at or after TIME (ISO-8601, e.g. 2026-11-24T09:31:02Z).")
    String since;

    @Option(names = {"-n", "--lines"}, paramLabel = "N", description = "Start with the last N events.")
    Long last;

    @Option(names = "--type", paramLabel = "TYPE", split = ",", description = "Only these event types (repeatable; default: all).")
    List<String> types = new ArrayList<>();

    @Option(names = "--envelope", description = "Print whole journal envelopes {\"seq\":N,\"ts\":...,\"src\":...,\"event\":...} instead of the original events.")
    boolean envelope;

    @Option(names = "--poll", paramLabel = "MILLIS", defaultValue = "50", hidden = true)
    long pollMillis;

    @Override
    public Integer call() throws InterruptedException {
        int starts = (fromSeq != null ? 1 : 0) + (since != null ? 1 : 0) + (last != null ? 1 : 0);
        if (starts > 1) {
            System.err.println("flywheel follow: use one of --from-seq, --since, -n");
            return 2;
        }
        if (!Files.isDirectory(dir.resolve("segments"))) {
            System.err.println("flywheel follow: " + dir + " is not a flywheel data directory (no segments/)");
            return 2;
        }
        Instant sinceTime = null;
        if (since != null) {
            try {
                sinceTime = Instant.parse(since);
            } catch (DateTimeParseException e) {
                System.err.println("flywheel follow: --since wants an ISO-8601 instant like 2026-11-24T09:31:02Z");
                return 2;
            }
        }
        long n = last != null ? last : (follow && starts == 0 ? 10 : 0);
        Follower.Options options = new Follower.Options(dir, fromSeq == null ? 0 : fromSeq, sinceTime, n, follow,
                Set.copyOf(types), envelope, Math.max(1, pollMillis));
        BufferedOutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        try {
            new Follower(options).run(out, notice -> System.err.println("flywheel follow: " + notice), () -> false);
        } catch (IOException e) {
            if (isBrokenPipe(e)) {
                return 0; // follow | head: the reader had enough
            }
            System.err.println("flywheel follow: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    private static boolean isBrokenPipe(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Broken pipe") || m.contains("Stream closed");
    }
}
