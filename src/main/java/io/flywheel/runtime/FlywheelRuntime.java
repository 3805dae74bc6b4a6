package io.flywheel.runtime;

import io.flywheel.bus.Broadcaster;
import io.flywheel.bus.LiveOptions;
import io.flywheel.bus.Signal;
import io.flywheel.config.MemoryLimits;
import io.flywheel.event.Event;
import io.flywheel.ingest.Ingest;
import io.flywheel.ingest.IngestStats;
import io.flywheel.ingest.MemoryBudget;
import io.flywheel.ingest.SocketServer;
import io.flywheel.ingest.UnixListener;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.Journal;
import io.flywheel.journal.JournalConfig;
import io.flywheel.journal.JournalFailedException;
import io.flywheel.journal.RecoveryListener;
import io.flywheel.journal.WriterLock;
import io.flywheel.obs.RunObserver;
import io.flywheel.ship.BackgroundShipper;
import io.flywheel.ship.BacklogGuard;
import io.flywheel.ship.Shipper;
import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * One running Flywheel on one data directory: the journal (recovered on open), the live broadcast, ingest with its
 * memory budget, and, as configured, the Unix socket server, background shipping with its backlog bound, and the
 * metrics file and systemd notifications. {@code flywheel run} is this plus stdin, {@code --echo} and terminal output;
 * a JVM application embeds the same thing:
 *
 * <pre>{@code
 * try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(Path.of("data")))) {
 *     fw.start();
 *     fw.live(e -> true).subscribe().with(signal -> ...);          // lossy, with Lagged(n)
 *     fw.committed(1).subscribe().with(event -> ...);             // lossless: replay, then each group commit
 *     Appended a = fw.append("{\"type\":\"text\",\"text\":\"hi\"}").join(); // done once fsynced
 * }
 * }</pre>
 *
 * <p>Closing stops the socket (in-flight lines are acked within the grace), syncs and seals the journal, stops the
 * shipper and completes every subscriber. One process writes to a directory at a time: {@link #open} fails with
 * {@link DirectoryInUseException} while another holds it.
 */
public final class FlywheelRuntime implements AutoCloseable {
    private static final Duration TAP_GRACE = Duration.ofSeconds(2);

    private final RuntimeConfig config;
    private final DataDir dir;
    private final WriterLock lock;
    private final Journal journal;
    private final Broadcaster broadcaster;
    private final IngestStats stats;
    private final Ingest ingest;
    private final EmbeddedInput api;
    private final BackgroundShipper shipper;
    private final BacklogGuard backlog;
    private final SocketServer server;
    private final RunObserver observer;
    private volatile boolean journalClosed;
    private boolean closed;

    private FlywheelRuntime(RuntimeConfig config, DataDir dir, WriterLock lock, Journal journal, SocketServer.Limits limits,
                            UnixListener listener) throws IOException {
        this.config = config;
        this.dir = dir;
        this.lock = lock;
        this.journal = journal;
        this.broadcaster = new Broadcaster();
        this.stats = new IngestStats();
        this.ingest = new Ingest(config.types(), journal, broadcaster, stats, config.maxLineBytes(),
                new MemoryBudget(config.memoryBudget()));
        journal.onSync(() -> broadcaster.synced(journal.lastSyncedSeq()));
        this.api = new EmbeddedInput(ingest);
        RuntimeConfig.Shipping ship = config.shipping();
        if (ship != null) {
            shipper = new BackgroundShipper(new Shipper(dir, config.hostId(), ship.config(), ship.endpoint()));
            shipper.start(ship.every());
            backlog = ship.maxBacklog() == null ? null
                    : new BacklogGuard(journal, ship.maxBacklog(), Duration.ofMillis(250));
        } else {
            shipper = null;
            backlog = null;
        }
        this.observer = new RunObserver(dir, journal, stats, broadcaster, config.metricsInterval(),
                config.journal().diskRetry());
        observer.memory(ingest.memory());
        if (config.metricsFile() != null) {
            observer.metricsFile(config.metricsFile());
        }
        if (listener != null) {
            server = new SocketServer(listener, ingest, limits);
            observer.ackLatency(stats.ackLatency);
            server.statusProvider(observer::statusText);
        } else {
            server = null;
        }
    }

    /** Opens {@code config.dir()} quietly; see {@link #open(RuntimeConfig, RecoveryListener)}. */
    public static FlywheelRuntime open(RuntimeConfig config) throws IOException, UnixListener.SetupException {
        return open(config, RecoveryListener.QUIET);
    }

    /**
     * Takes the directory's writer lock, recovers the journal (telling {@code recovery} what it finds), binds the
     * socket and starts shipping. On any failure whatever was started is stopped again and the lock released.
     *
     * @throws DirectoryInUseException         another process writes to the directory
     * @throws UnixListener.SetupException     the socket cannot be bound or inherited
     * @throws IOException                     the directory or the journal cannot be opened
     */
    public static FlywheelRuntime open(RuntimeConfig config, RecoveryListener recovery)
            throws IOException, UnixListener.SetupException {
        DataDir dir = DataDir.open(config.dir(), config.hostId());
        Optional<WriterLock> lock = WriterLock.tryAcquire(dir);
        if (lock.isEmpty()) {
            throw new DirectoryInUseException(dir.root(), WriterLock.holder(dir));
        }
        Journal journal = null;
        UnixListener listener = null;
        try {
            // seal records carry the MD5s of the parts the shipper will upload, so that it need not hash again
            JournalConfig jc = config.shipping() == null ? config.journal()
                    : config.journal().withMd5PartSize(config.shipping().config().partSize());
            journal = Journal.open(dir, jc, recovery, config.faults());
            SocketServer.Limits limits = null;
            RuntimeConfig.Socket s = config.socket();
            if (s != null) {
                try {
                    listener = s.inherited() ? UnixListener.inherited() : UnixListener.bind(s.path(), s.mode());
                } catch (IOException e) {
                    throw new UnixListener.SetupException(e.getMessage()); // a socket problem, not a journal one
                }
                limits = new SocketServer.Limits(s.maxConnections(), SocketServer.Limits.DEFAULT.maxUnackedLines(),
                        subscriberBytes(config));
            }
            return new FlywheelRuntime(config, dir, lock.get(), journal, limits, listener);
        } catch (IOException | UnixListener.SetupException | RuntimeException e) {
            if (listener != null) {
                listener.close();
            }
            if (journal != null) {
                try {
                    journal.close();
                } catch (InterruptedException | RuntimeException ignored) {
                    // the open failed; its own error is the one to report
                }
            }
            lock.get().close();
            throw e;
        }
    }

    /**
     * Appends one event (one JSON object with a {@code "type"}): validated and classified like any input line,
     * broadcast live, and journaled when durable. The future completes when the event is fsynced (durable, with its
     * seq) or at once (ephemeral); it fails with {@link RejectedEventException} for an event any input would reject
     * (which is counted and recorded in {@code rejected/}), or with the journal's failure. Blocks only while the
     * journal's pending batch is full.
     */
    public CompletableFuture<Appended> append(String event) {
        return api.append(event.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #append(String)} for an event given as UTF-8 bytes. */
    public CompletableFuture<Appended> append(byte[] event) {
        return api.append(event);
    }

    /**
     * The buffer bound of every subscriber this runtime makes (taps, {@code --echo}, {@link #live(Predicate)}): 8 MiB,
     * or an eighth of the memory budget when that is less.
     */
    private static long subscriberBytes(RuntimeConfig config) {
        return Math.min(Broadcaster.DEFAULT_BUFFER_BYTES, MemoryLimits.tapBytes(config.memoryBudget()));
    }

    /** Options for a subscriber of every event, named {@code name} in the metrics, with this runtime's buffer bound. */
    public LiveOptions everything(String name) {
        return new LiveOptions(name, LiveOptions.ALL, subscriberBytes(config), false);
    }

    /**
     * Every event that passes {@code filter}, as it arrives, with no demand limit but a bounded buffer (see
     * {@link #everything}): a subscriber that falls behind loses the oldest waiting events and gets
     * {@link Signal.Lagged} with their number, and never slows producers or the journal. Pass {@link LiveOptions#ALL} for every event: such subscribers share each
     * published block instead of copying what they want.
     */
    public Multi<Signal> live(Predicate<Event> filter) {
        return live(new LiveOptions("api", filter, subscriberBytes(config), false));
    }

    /** A live stream with all options: a metrics name, a buffer bound, durable events only once fsynced. */
    public Multi<Signal> live(LiveOptions options) {
        return broadcaster.live(options);
    }

    /**
     * Every kept durable event from {@code fromSeq} on, in seq order, none skipped and none repeated: those already in
     * the journal's files first, then each one as soon as it is fsynced. Lossless and demand-driven (it reads the
     * files at the subscriber's pace); completes after {@link #close}, once everything kept was delivered.
     */
    public Multi<Event> committed(long fromSeq) {
        return Multi.createFrom().publisher(new CommittedStream(journal, fromSeq, () -> journalClosed));
    }

    /** The journal's failure (it gave up on the disk), or null while it works. */
    public JournalFailedException failure() {
        return journal.failure();
    }

    public DataDir dir() {
        return dir;
    }

    public Journal journal() {
        return journal;
    }

    public Ingest ingest() {
        return ingest;
    }

    public Broadcaster broadcaster() {
        return broadcaster;
    }

    public IngestStats stats() {
        return stats;
    }

    /** The socket server, or null without a socket. */
    public SocketServer server() {
        return server;
    }

    /**
     * Starts accepting socket connections (the socket is bound by {@link #open}, so that subscribers made in between,
     * such as {@code --echo}, see the first event), then tells systemd (when it asked) that the service is ready.
     */
    public void start() {
        if (server != null) {
            server.start();
        }
        observer.ready();
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(10), CloseProgress.SILENT);
    }

    /**
     * Stops in the order that keeps every promise: no new connections, in-flight socket lines acked (up to
     * {@code grace}), the journal synced and sealed, the shipper's current pass finished, subscribers completed.
     *
     * @return true when everything accepted was made durable; false when the journal had failed
     */
    public boolean close(Duration grace, CloseProgress progress) throws InterruptedException {
        synchronized (this) {
            if (closed) {
                return journal.failure() == null;
            }
            closed = true;
        }
        boolean ok = true;
        try {
            observer.stopping();
            if (backlog != null) {
                backlog.close();
                journal.resumeIntake(); // producers held by the backlog bound finish their line and see the stop
            }
            if (server != null) {
                progress.waitingFor(() -> server.producerCount() + " connection(s) to be acked");
                server.stop(grace);
            }
            api.stopAccepting();
            progress.waitingFor(() -> "the journal to sync and seal"
                    + (journal.diskTrouble() == null ? "" : " (disk: " + journal.diskTrouble() + ", retrying)"));
            try {
                journal.close();
            } catch (JournalFailedException e) {
                ok = false;
            }
            journalClosed = true;
            api.close();
            if (shipper != null) {
                progress.waitingFor(() -> "the background shipper");
                shipper.close();
            }
            observer.close();
            broadcaster.close();
            if (server != null) {
                server.closeTaps(TAP_GRACE);
            }
        } finally {
            try {
                lock.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
        }
        return ok && journal.failure() == null;
    }
}
