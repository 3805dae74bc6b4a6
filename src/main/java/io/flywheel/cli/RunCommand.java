package io.flywheel.cli;

import io.flywheel.bus.Broadcaster;
import io.flywheel.bus.EchoSubscriber;
import io.flywheel.event.EventClass;
import io.flywheel.event.TypeClassifier;
import io.flywheel.config.MemoryLimits;
import io.flywheel.ingest.IngestStats;
import io.flywheel.ingest.SocketServer;
import io.flywheel.ingest.UnixListener;
import io.flywheel.ingest.StdinReader;
import io.flywheel.ingest.StopSignal;
import io.flywheel.journal.Journal;
import io.flywheel.config.ByteSize;
import io.flywheel.journal.JournalConfig;
import io.flywheel.journal.RecoveryListener;
import io.flywheel.obs.ProgressBar;
import io.flywheel.obs.ProgressLine;
import io.flywheel.obs.Terminal;
import io.flywheel.run.DrainNotice;
import io.flywheel.runtime.DirectoryInUseException;
import io.flywheel.runtime.FlywheelRuntime;
import io.flywheel.runtime.RuntimeConfig;
import io.flywheel.ship.S3Endpoint;
import io.flywheel.ship.ShipConfig;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Reads NDJSON events from stdin, broadcasts every event to live subscribers and appends durable ones to "
                + "a group-committed, rolling JSONL journal in DIR.",
            "",
            "Exits 0 after end of input or SIGTERM/SIGINT/SIGHUP once everything accepted is synced and sealed; exits 1 "
                + "when accepted events could not be made durable or reading stdin failed unexpectedly; a second "
                + "SIGINT (Ctrl-C) while stopping aborts at once with 130 (the next run recovers)."},
        footer = {"", "Example:  agent | flywheel run --dir ./data --echo | ui"})
public class RunCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "flywheel-data",
            description = "Data directory (created if missing). Default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--echo", description = "Write every live event to stdout (lossy under load: a lag notice {\"lagged\":N} says how many were skipped).")
    boolean echo;

    @Option(names = "--progress", description = "Show a live stats line on stderr (default: only when stderr is a terminal).")
    Boolean progress;

    @Option(names = "--roll-bytes", paramLabel = "SIZE", defaultValue = "64MiB", converter = SizeConverter.class,
            description = "Seal a segment at this size (at least 1KiB). Default: ${DEFAULT-VALUE}")
    long rollBytes;

    @Option(names = "--roll-age", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.Positive.class,
            description = "Seal a segment this long after it opened. Default: ${DEFAULT-VALUE}")
    Duration rollAge;

    @Option(names = "--roll-idle", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.Positive.class,
            description = "Seal a segment after this long without writes. Default: ${DEFAULT-VALUE}")
    Duration rollIdle;

    @Option(names = "--max-line-bytes", paramLabel = "SIZE", defaultValue = "1MiB", converter = SizeConverter.class,
            description = "Longer lines are rejected (and streamed past, never buffered); 16B..256MiB. Default: ${DEFAULT-VALUE}")
    long maxLineBytes;

    @Option(names = "--disk-retry", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "How long to retry failed disk writes (ENOSPC, EIO) with ingest paused before exiting 1. Default: ${DEFAULT-VALUE}")
    Duration diskRetry;

    @Option(names = "--max-rejected-bytes", paramLabel = "SIZE", defaultValue = "256MiB", converter = SizeConverter.class,
            description = "Bound of all reject records in DIR/rejected/ together: files roll at an eighth of it and the "
                + "oldest are deleted (and counted) beyond it. Default: ${DEFAULT-VALUE}")
    long maxRejectedBytes;

    @Option(names = "--durable-type", paramLabel = "TYPE", split = ",",
            description = "Treat these event types as durable (added to the built-in set).")
    List<String> durableTypes = new ArrayList<>();

    @Option(names = "--ephemeral-type", paramLabel = "TYPE", split = ",",
            description = "Treat these event types as ephemeral: broadcast only, never journaled.")
    List<String> ephemeralTypes = new ArrayList<>();

    @Option(names = "--unknown-types", paramLabel = "CLASS", defaultValue = "durable",
            converter = ChoiceConverters.EventClassChoice.class, completionCandidates = ChoiceConverters.EventClassChoice.class,
            description = "Class of types in neither set: durable or ephemeral. Default: ${DEFAULT-VALUE}")
    EventClass unknownTypes;

    @Option(names = "--host-id", paramLabel = "ID", description = "Host id for segment keys (default: stored in DIR, first set from the hostname).")
    String hostId;

    @Option(names = "--ship-every", paramLabel = "DURATION", converter = DurationConverter.Positive.class,
            description = "Ship sealed segments to MinIO in the background at this interval (endpoint and credentials "
                + "from MINIO_ENDPOINT, MINIO_ACCESS_KEY, MINIO_SECRET_KEY or quarkus.minio.*). Default: no shipping.")
    Duration shipEvery;

    @Option(names = "--max-backlog", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Pause durable ingest (producers block, nothing is dropped) while unshipped segments reach this size; "
                + "resumes when shipping catches up. Needs --ship-every. Default: unbounded.")
    Long maxBacklog;

    @Option(names = "--metrics-interval", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.Positive.class,
            description = "Write Prometheus metrics to DIR/metrics.prom (atomically) this often, and once at exit. Default: ${DEFAULT-VALUE}")
    Duration metricsInterval;

    @Option(names = "--metrics-file", paramLabel = "PATH",
            description = "Also write the metrics to this file (atomically), e.g. into node_exporter's textfile "
                + "collector directory. Default: only DIR/metrics.prom.")
    Path metricsFile;

    @Mixin
    ShipOptions ship;

    @Option(names = "--socket", paramLabel = "PATH",
            description = "Also listen on this Unix domain socket for producers (acked NDJSON) and taps; stdin is then read only with --stdin, and the server runs until SIGTERM/SIGINT.")
    Path socket;

    @Option(names = "--socket-activated",
            description = "Use the listening Unix socket systemd passes as stdin (StandardInput=socket) instead of --socket.")
    boolean socketActivated;

    @Option(names = "--socket-mode", paramLabel = "OCTAL", defaultValue = "0600",
            description = "Permissions of the --socket file. Default: ${DEFAULT-VALUE}")
    String socketMode;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1024",
            description = "Socket connections at once (taps included); more are refused with an error line. Default: ${DEFAULT-VALUE}")
    int maxConnections;

    @Option(names = "--stdin", description = "With --socket: read stdin too.")
    boolean stdin;

    @Option(names = "--max-memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Heap that all inputs together may hold for partial and long lines and reject records; an "
                + "input needing more stops being read until others give some back. Default: a quarter of the heap "
                + "(64MiB with -Xmx256m), between 16MiB and 512MiB.")
    Long maxMemory;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        // every value is checked before anything is created: a refused option leaves no trace
        Usage.require(rollBytes >= 1024, spec, "--roll-bytes", "must be at least 1KiB");
        Usage.require(maxLineBytes >= 16 && maxLineBytes <= (256L << 20), spec, "--max-line-bytes", "must be between 16B and 256MiB");
        Usage.require(maxRejectedBytes >= (64L << 10), spec, "--max-rejected-bytes", "must be at least 64KiB");
        Usage.require(socket == null || !socketActivated, spec, "--socket-activated", "use either --socket or --socket-activated");
        Usage.require(!socketActivated || !stdin, spec, "--stdin",
                "--socket-activated uses stdin for the listening socket, so --stdin is not possible");
        Usage.require(maxMemory == null || maxMemory >= MemoryLimits.MIN_BUDGET, spec, "--max-memory", "must be at least 16MiB");
        Usage.require(socketMode.matches("0?[0-7]{3}"), spec, "--socket-mode", "must be octal");
        Usage.require(maxConnections >= 1, spec, "--max-connections", "must be at least 1");
        Usage.require(maxBacklog == null || maxBacklog > 0, spec, "--max-backlog", "must be more than 0");
        Usage.require(maxBacklog == null || shipEvery != null, spec, "--max-backlog",
                "needs --ship-every (the backlog only shrinks when this process ships)");
        Usage.require(durableTypes.stream().noneMatch(String::isBlank), spec, "--durable-type", "a type must not be empty");
        Usage.require(ephemeralTypes.stream().noneMatch(String::isBlank), spec, "--ephemeral-type", "a type must not be empty");
        Usage.require(metricsFile == null || java.nio.file.Files.isDirectory(metricsFile.toAbsolutePath().getParent()),
                spec, "--metrics-file", "its directory does not exist");
        Usage.checkShipOptions(spec, ship);
        ShipConfig shipConfig = shipEvery == null ? null : ship.toConfig();
        S3Endpoint endpoint = shipEvery == null ? null : S3Endpoint.resolve();
        RuntimeConfig config = RuntimeConfig.defaults(dir)
                .withHostId(hostId)
                .withJournal(new JournalConfig(rollBytes, rollAge, rollIdle, RuntimeConfig.PENDING_BYTES, diskRetry,
                        maxRejectedBytes, ByteSize.parse(ship.partSize)))
                .withTypes(TypeClassifier.of(durableTypes, ephemeralTypes, unknownTypes))
                .withLimits((int) maxLineBytes, maxMemory != null ? maxMemory : MemoryLimits.defaultBudget())
                .withMetrics(metricsInterval, metricsFile)
                .withSocket(socket == null && !socketActivated ? null
                        : new RuntimeConfig.Socket(socket, socketActivated, Integer.parseInt(socketMode, 8), maxConnections))
                .withShipping(shipConfig == null ? null
                        : new RuntimeConfig.Shipping(shipConfig, endpoint, shipEvery, maxBacklog));
        StopSignal stop = StopSignal.install();
        FlywheelRuntime runtime;
        try {
            runtime = FlywheelRuntime.open(config, new RecoveryReport());
        } catch (DirectoryInUseException | UnixListener.SetupException e) {
            System.err.println("flywheel: " + e.getMessage());
            return 1;
        }
        return run(runtime, stop);
    }

    /** Serves until end of input, a signal or a journal failure, then stops in order and says how it went. */
    private int run(FlywheelRuntime runtime, StopSignal stop) throws Exception {
        Journal journal = runtime.journal();
        Broadcaster broadcaster = runtime.broadcaster();
        IngestStats stats = runtime.stats();
        EchoSubscriber echoSub = echo
                ? new EchoSubscriber(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16))
                : null;
        if (echoSub != null) {
            broadcaster.subscribe(runtime.everything("echo"), echoSub);
        }
        boolean showProgress = progress != null ? progress : Terminal.stderrIsTerminal();
        ProgressLine progressLine = showProgress ? new ProgressLine(System.err, new RateText(stats, journal, broadcaster)) : null;
        SocketServer server = runtime.server();
        runtime.start();
        if (server != null) {
            System.err.println("flywheel: listening on " + server.address());
        }
        boolean readStdin = server == null || stdin;
        long started = System.nanoTime();
        if (readStdin && Terminal.isTerminal(0)) {
            // a newcomer who typed just `flywheel run` would otherwise wait at a silent terminal
            System.err.println("flywheel run: reading NDJSON events from stdin (this terminal), one JSON object per line;"
                    + " Ctrl-D ends. Usually: agent | flywheel run");
        }
        Thread reader = !readStdin ? null : StdinReader.start(runtime.ingest(), stop, server == null);
        while (!stop.await(200, TimeUnit.MILLISECONDS)) {
            if (journal.failure() != null) {
                break;
            }
        }
        if (progressLine != null) {
            progressLine.close(); // before the stop messages, so that neither they nor an echoed ^C land inside it
        }
        DrainNotice notice = new DrainNotice(System.err, stop);
        boolean kept = runtime.close(Duration.ofSeconds(10), notice::waitingFor);
        notice.close();
        if (echoSub != null) {
            echoSub.close();
        }
        int code = stop.failure() == null && kept ? 0 : 1;
        double secs = (System.nanoTime() - started) / 1e9;
        long received = stats.received.sum();
        if (stop.failure() != null) {
            System.err.printf(Locale.ROOT, "flywheel: FAILED: %s; %d of %d accepted durable events were kept%n",
                    stop.failure(), journal.keptEvents(), stats.durable.sum());
        } else if (code != 0) {
            System.err.printf(Locale.ROOT, "flywheel: FAILED: %s; %d of %d accepted durable events were kept before that%n",
                    journal.failure().getMessage(), journal.keptEvents(), stats.durable.sum());
        } else {
            System.err.printf(Locale.ROOT,
                    "flywheel: %s after %.1fs: %d events (%d kept, %d ephemeral, %d rejected, %d dropped for lagging subscribers), %.0f events/s%n",
                    stop.received() == null ? "stopped" : stop.received(), secs, received, journal.keptEvents(),
                    stats.ephemeral.sum(), stats.rejected.sum(), broadcaster.droppedTotal(), received / Math.max(secs, 1e-9));
        }
        if (reader != null && reader.isAlive()) {
            reader.interrupt();
        }
        return code;
    }

    /** Tells the operator what recovery found, on stderr. */
    private static final class RecoveryReport implements RecoveryListener {
        private final ProgressBar bar = ProgressBar.onStderrIfTerminal();

        @Override
        public void progress(Path segment, long done, long total) {
            if (bar != null) {
                bar.file("recovering", segment, done, total);
            }
        }

        @Override
        public void recovered(Path sealed, long events) {
            if (bar != null) {
                bar.clear();
            }
            System.err.println("flywheel: recovered " + sealed.getFileName() + " (" + events + " events) left open by a crash");
        }

        @Override
        public void tornTail(Path segment, long offset, long bytes, String reason, Path keptAt) {
            if (bar != null) {
                bar.clear();
            }
            System.err.println("flywheel: cut " + bytes + " bytes off " + segment.getFileName() + " at offset " + offset
                    + " (" + reason + "); kept in " + keptAt);
        }
    }

    /** The live stats line: events/s, kept, rejected, lagged. */
    private static final class RateText implements java.util.function.Supplier<String> {
        private final IngestStats stats;
        private final Journal journal;
        private final Broadcaster broadcaster;
        private long lastCount;
        private long lastNanos = System.nanoTime();

        RateText(IngestStats stats, Journal journal, Broadcaster broadcaster) {
            this.stats = stats;
            this.journal = journal;
            this.broadcaster = broadcaster;
        }

        @Override
        public String get() {
            long now = System.nanoTime();
            long count = stats.received.sum();
            double rate = (count - lastCount) / Math.max((now - lastNanos) / 1e9, 1e-9);
            lastCount = count;
            lastNanos = now;
            String trouble = journal.diskTrouble() == null ? "" : "  DISK: " + journal.diskTrouble();
            return String.format(Locale.ROOT, "%,10.0f ev/s  kept %,d  rejected %,d  lagged %,d%s", rate,
                    journal.keptEvents(), stats.rejected.sum(), broadcaster.droppedTotal(), trouble);
        }
    }
}
