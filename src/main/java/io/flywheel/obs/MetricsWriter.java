package io.flywheel.obs;

import io.flywheel.stats.LatencyHistogram;
import io.flywheel.bus.Broadcaster;
import io.flywheel.ingest.IngestStats;
import io.flywheel.ingest.MemoryBudget;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.Journal;
import io.flywheel.stats.PromText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Writes the live figures of {@code flywheel run} to {@code DIR/metrics.prom} in the Prometheus text format, atomically
 * (temp file + rename, so node_exporter's textfile collector never reads half a file), every interval and once more
 * at exit. Counters restart at 0 with every run, as Prometheus counters do with a process.
 */
public final class MetricsWriter implements AutoCloseable {
    public static final String FILE = "metrics.prom";
    private static final Logger LOG = Logger.getLogger(MetricsWriter.class);

    private final Path target;
    private final Journal journal;
    private final IngestStats stats;
    private final Broadcaster bus;
    private final LongSupplier backlogBytes;
    private volatile LatencyHistogram ackLatency;
    private ScheduledExecutorService executor;
    private volatile boolean up = true;
    private final Object writeLock = new Object();
    private volatile String lastError;

    public MetricsWriter(DataDir dir, Journal journal, IngestStats stats, Broadcaster bus, LongSupplier backlogBytes,
                         LatencyHistogram ackLatency) {
        this.target = dir.root().resolve(FILE);
        this.journal = journal;
        this.stats = stats;
        this.bus = bus;
        this.backlogBytes = backlogBytes;
        this.ackLatency = ackLatency;
    }

    private volatile MemoryBudget memory;

    /** The ingest memory budget whose use to export; null exports none. */
    public void memory(MemoryBudget budget) {
        this.memory = budget;
    }

    /** Sets the ack latency histogram (socket ingest); null exports none. */
    public void ackLatency(LatencyHistogram h) {
        this.ackLatency = h;
    }

    private volatile Path copy;

    /** A second target, written the same way (temp file beside it, then rename). */
    public void copyTo(Path file) {
        this.copy = file.toAbsolutePath();
    }

    public Path target() {
        return target;
    }

    public synchronized void start(Duration every) {
        if (every.isZero() || every.isNegative()) {
            throw new IllegalArgumentException("metrics interval must be positive: " + every);
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flywheel-metrics");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::writeQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The current exposition text. */
    public String render() {
        // labelled by the name a subscriber gave (or its peer), so a reconnecting tap continues its own counter
        Map<String, Long> dropped = new LinkedHashMap<>(bus.droppedPerSubscriber());
        PromText p = new PromText()
                .gauge("flywheel_up", "1 while flywheel run is running; 0 in the file written at exit", up ? 1 : 0)
                .counter("flywheel_events_received_total", "Input lines received (valid or not)", stats.received.sum())
                .counter("flywheel_events_kept_total", "Durable events fsynced to the journal", journal.keptEvents())
                .counter("flywheel_events_rejected_total", "Input lines rejected (recorded in rejected/)", stats.rejected.sum())
                .counter("flywheel_rejects_dropped_total", "Reject records deleted to keep rejected/ within --max-rejected-bytes",
                        journal.rejectsDropped())
                .counter("flywheel_reject_bytes_dropped_total", "Bytes of reject files deleted to keep rejected/ within its bound",
                        journal.rejectBytesDropped())
                .counter("flywheel_events_ephemeral_total", "Ephemeral events (broadcast only, never journaled)", stats.ephemeral.sum())
                .counter("flywheel_subscriber_dropped_total", "Events a lagging live subscriber missed (departed: subscribers gone since)",
                        "subscriber", dropped)
                .counter("flywheel_segments_sealed_total", "Journal segments sealed", journal.segmentsSealed())
                .counter("flywheel_bytes_kept_total", "Envelope bytes fsynced to the journal", journal.keptBytes())
                .gauge("flywheel_backlog_bytes", "Bytes of sealed segments not yet shipped", backlogBytes.getAsLong())
                .gauge("flywheel_subscribers", "Live subscribers", bus.subscriberCount())
                .gauge("flywheel_intake_paused", "1 while durable intake is paused (backlog bound)", journal.intakePaused() == null ? 0 : 1)
                .gauge("flywheel_disk_trouble", "1 while journal writes fail and are being retried", journal.diskTrouble() == null ? 0 : 1)
                .gauge("flywheel_fsync_p50_seconds", "Median group-commit write+fsync latency",
                        journal.syncLatency().quantileNanos(0.5) / 1e9)
                .gauge("flywheel_fsync_p99_seconds", "99th percentile group-commit write+fsync latency",
                        journal.syncLatency().quantileNanos(0.99) / 1e9)
                .histogram("flywheel_fsync_seconds", "Group-commit write+fsync latency", journal.syncLatency());
        MemoryBudget m = memory;
        if (m != null) {
            p.gauge("flywheel_ingest_memory_bytes", "Heap held by inputs for partial and long lines and reject records (--max-memory)", m.used())
                    .gauge("flywheel_ingest_memory_limit_bytes", "The ingest memory budget (--max-memory)", m.limit())
                    .counter("flywheel_ingest_memory_waits_total", "Times an input stopped being read until the budget had room", m.waits());
        }
        p.gauge("flywheel_subscriber_buffered_bytes", "Event bytes waiting in live subscribers' buffers", bus.bufferedBytes());
        LatencyHistogram acks = ackLatency;
        if (acks != null) {
            p.gauge("flywheel_ack_p50_seconds", "Median ack latency", acks.quantileNanos(0.5) / 1e9)
                    .gauge("flywheel_ack_p99_seconds", "99th percentile ack latency", acks.quantileNanos(0.99) / 1e9)
                    .histogram("flywheel_ack_seconds", "Time from receiving a durable event to acknowledging it", acks);
        }
        return p.text();
    }

    /** Writes the file now (temp file + rename). */
    public void write() throws IOException {
        synchronized (writeLock) {
            // not fsynced: a metrics file is rewritten every few seconds, and a crash costs only those seconds
            byte[] text = render().getBytes(StandardCharsets.UTF_8);
            DataDir.replace(target, text, false);
            Path c = copy;
            if (c != null) {
                DataDir.replace(c, text, false);
            }
        }
    }

    private void writeQuietly() {
        try {
            write();
            lastError = null;
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (!m.equals(lastError)) {
                LOG.warn("cannot write " + target + ": " + m);
            }
            lastError = m;
        }
    }

    /** Stops the timer and writes the final figures (with flywheel_up 0). */
    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            executor = null;
        }
        up = false;
        writeQuietly();
    }
}
