package io.flywheel.cli;

import io.flywheel.journal.DataDir;
import io.flywheel.obs.DirStatus;
import io.flywheel.obs.StatusSnapshot;
import io.flywheel.obs.WriterState;
import io.flywheel.client.StatusClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows at a glance what a data directory holds and how its run is doing: events kept and "
                + "rejected, segments open / sealed / shipped, the unshipped backlog, the last ship pass, whether a "
                + "writer is live and - when DIR/metrics.prom exists - the live figures of the run (received, kept, "
                + "rejected, dropped per lagging subscriber, fsync latency).",
            "Works on a stopped directory: it only reads files and changes nothing.",
            "Exit status: 0, or 2 when DIR is not a Flywheel data directory."})
public class StatusCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "flywheel-data", description = "Data directory. Default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Ask a running `flywheel run --socket PATH` for its live figures instead of reading --dir.")
    Path socket;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        if (socket != null) {
            try {
                System.out.print(StatusClient.ask(socket, json));
                System.out.flush();
                return 0;
            } catch (IOException e) {
                System.err.println("flywheel status: " + e.getMessage());
                return 2;
            }
        }
        StatusSnapshot s;
        try {
            DataDir data = DataDir.readOnly(dir);
            s = DirStatus.read(data, WriterState.probe(data));
        } catch (IOException e) {
            System.err.println("flywheel status: " + e.getMessage());
            return 2;
        }
        print(s, json);
        return 0;
    }

    /** Prints a snapshot as the table or as JSON: the same output whatever the source. */
    static void print(StatusSnapshot s, boolean json) {
        if (json) {
            System.out.println(s.toJson());
        } else {
            System.out.print(s.table());
        }
        System.out.flush();
    }
}
