package io.flywheel.obs;

import io.flywheel.stats.LatencyHistogram;
import io.flywheel.bus.Broadcaster;
import io.flywheel.ingest.IngestStats;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.Journal;
import io.flywheel.ship.Shipper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code flywheel run} tells the outside world while it runs: {@code DIR/metrics.prom} every interval, and -
 * under systemd ({@code NOTIFY_SOCKET}) - {@code READY=1}, a {@code STATUS=} summary every metrics interval,
 * {@code WATCHDOG=1} at half of {@code WATCHDOG_USEC} while healthy, and {@code STOPPING=1} on drain.
 *
 * <p>Healthy means: no journal failure, and the journal is not wedged (accepted data has not waited longer than
 * {@link #WEDGED_AFTER} without the committer making progress). An idle journal is healthy. Retrying failed disk
 * writes ({@code --disk-retry}) is degraded but alive: every retry attempt is committer progress, so the watchdog
 * stays fed and {@code STATUS=} says {@code DEGRADED}; a restart by systemd would only cut the retry window short.
 */
public final class RunObserver implements AutoCloseable {
    public static final Duration WEDGED_AFTER = Duration.ofSeconds(10);

    private final DataDir dir;
    private final Journal journal;
    private final IngestStats stats;
    private final Broadcaster bus;
    private final MetricsWriter metrics;
    private final SystemdNotify notify;
    private final long watchdogNanos;
    private final long statusEveryNanos;
    private final Duration diskRetry;
    private ScheduledExecutorService executor;
    private long lastStatus;
    private long lastWatchdog;

    public RunObserver(DataDir dir, Journal journal, IngestStats stats, Broadcaster bus, Duration metricsInterval,
            Duration diskRetry) {
        this.dir = dir;
        this.diskRetry = diskRetry;
        this.journal = journal;
        this.stats = stats;
        this.bus = bus;
        this.metrics = new MetricsWriter(dir, journal, stats, bus, this::backlogBytes, null);
        this.notify = SystemdNotify.fromEnvironment();
        this.watchdogNanos = notify == null ? 0 : watchdogInterval();
        this.statusEveryNanos = metricsInterval.toNanos();
        metrics.start(metricsInterval);
    }

    /** The watchdog interval systemd asks for (WATCHDOG_USEC, for this pid per WATCHDOG_PID), or 0. */
    private static long watchdogInterval() {
        String usec = System.getenv("WATCHDOG_USEC");
        String pid = System.getenv("WATCHDOG_PID");
        if (usec == null || usec.isBlank()) {
            return 0;
        }
        if (pid != null && !pid.isBlank() && !pid.trim().equals(Long.toString(ProcessHandle.current().pid()))) {
            return 0;
        }
        try {
            return TimeUnit.MICROSECONDS.toNanos(Long.parseLong(usec.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Also writes the metrics to {@code file} (node_exporter's textfile directory, say). */
    public void metricsFile(Path file) {
        metrics.copyTo(file);
    }

    /** Exports the ingest memory budget's use with the metrics. */
    public void memory(io.flywheel.ingest.MemoryBudget budget) {
        metrics.memory(budget);
    }

    /** Supplies the per-connection ack latency histogram (socket ingest) to the metrics. */
    public void ackLatency(LatencyHistogram acks) {
        metrics.ackLatency(acks);
    }

    /** Recovery is done and input is accepted: {@code READY=1}, then the periodic status and watchdog. */
    public synchronized void ready() {
        if (notify == null || executor != null) {
            return;
        }
        notify.send("READY=1\nSTATUS=" + summary());
        lastStatus = System.nanoTime();
        long tick = statusEveryNanos;
        if (watchdogNanos > 0) {
            notify.send("WATCHDOG=1");
            lastWatchdog = System.nanoTime();
            tick = Math.min(tick, Math.max(watchdogNanos / 4, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flywheel-notify");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.NANOSECONDS);
    }

    /** Synchronized with {@link #stopping}: no WATCHDOG or STATUS may follow STOPPING. */
    private synchronized void tick() {
        if (executor == null) {
            return; // stopping
        }
        long now = System.nanoTime();
        String trouble = trouble();
        if (watchdogNanos > 0 && trouble == null && now - lastWatchdog >= watchdogNanos / 2) {
            notify.send("WATCHDOG=1");
            lastWatchdog = now;
        }
        if (now - lastStatus >= statusEveryNanos) {
            notify.send("STATUS=" + headline(trouble) + summary());
            lastStatus = now;
        }
    }

    private String headline(String trouble) {
        if (trouble != null) {
            return "UNHEALTHY (" + trouble + "); ";
        }
        String degraded = degraded();
        return degraded == null ? "" : "DEGRADED (" + degraded + "); ";
    }

    /** Why the run works but not fully (writes are being retried), or null. */
    public String degraded() {
        String disk = journal.diskTrouble();
        return disk == null ? null : "disk: " + disk + ", retrying for up to " + diskRetry.toSeconds() + "s";
    }

    /** Why the run is not healthy (the watchdog is starved), or null when it is. */
    public String trouble() {
        if (journal.failure() != null) {
            return journal.failure().getMessage();
        }
        long stalled = journal.stalledNanos();
        if (stalled > WEDGED_AFTER.toNanos()) {
            return "journal made no progress for " + TimeUnit.NANOSECONDS.toSeconds(stalled) + " s with data pending";
        }
        return null;
    }

    /** The one-line summary for {@code STATUS=}. */
    public String summary() {
        String s = String.format(Locale.ROOT, "%d received, %d kept, %d rejected, %d dropped; backlog %d bytes; fsync p99 %.1f ms",
                stats.received.sum(), journal.keptEvents(), stats.rejected.sum(), bus.droppedTotal(), backlogBytes(),
                journal.syncLatency().quantileNanos(0.99) / 1e6);
        if (journal.intakePaused() != null) {
            s += "; intake paused: " + journal.intakePaused();
        }
        return s + shipSummary();
    }

    /** The last ship pass as an operator reads it in {@code systemctl status}; empty when nothing was shipped. */
    private String shipSummary() {
        try {
            io.flywheel.ship.ShipState st = io.flywheel.ship.ShipState.read(dir).orElse(null);
            if (st == null) {
                return "";
            }
            if (st.error() == null && st.failed() == 0) {
                return String.format(Locale.ROOT, "; ship OK at %s, %d pending", st.time(), st.pending());
            }
            return String.format(Locale.ROOT, "; ship FAILING (%s) since last success %s, %d pending: %s",
                    st.errorClass(), st.lastSuccess() == null ? "never" : st.lastSuccess(), st.pending(), st.error());
        } catch (java.io.IOException | RuntimeException e) {
            return "";
        }
    }

    private long backlogBytes() {
        try {
            return Shipper.backlogBytes(dir);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Draining: {@code STOPPING=1}; the periodic status and watchdog end. */
    public synchronized void stopping() {
        if (notify != null) {
            notify.send("STOPPING=1\nSTATUS=stopping: draining and sealing");
        }
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    /** The status of this run as {@code flywheel status} prints it, with live figures from memory (not the file). */
    public String statusText(boolean json) {
        try {
            StatusSnapshot s = DirStatus.read(dir, WriterState.self(),
                    DirStatus.fromMetrics(metrics.render(), "this process", true, 0));
            return json ? s.toJson() + "\n" : s.table();
        } catch (IOException e) {
            return "{\"error\":\"status: " + e.getMessage().replace('"', '\'') + "\"}\n";
        }
    }

    /** Writes the final metrics (flywheel_up 0) and closes the notification socket. */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
        metrics.close();
        if (notify != null) {
            notify.close();
        }
    }
}
