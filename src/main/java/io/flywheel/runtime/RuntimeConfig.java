package io.flywheel.runtime;

import io.flywheel.config.MemoryLimits;
import io.flywheel.event.TypeClassifier;
import io.flywheel.journal.FaultSpec;
import io.flywheel.journal.Faults;
import io.flywheel.journal.JournalConfig;
import io.flywheel.ship.S3Endpoint;
import io.flywheel.ship.ShipConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a {@link FlywheelRuntime} needs: where the data lives, how the journal rolls, which types are durable,
 * the ingest limits, and the optional socket and shipping. {@link #defaults(Path)} gives what {@code flywheel run}
 * does without options; the {@code with...} methods change one part.
 *
 * @param dir             the data directory (created if missing)
 * @param hostId          host part of object keys; null: the one stored in {@code dir}, first set from the hostname
 * @param journal         rolling, pending-batch bound, disk retry, reject bound
 * @param types           which event types are durable
 * @param maxLineBytes    longer events are rejected
 * @param memoryBudget    heap all inputs together may hold for partial and long lines and reject records
 * @param metricsInterval how often {@code dir/metrics.prom} (and a systemd {@code STATUS=}) is refreshed
 * @param metricsFile     a second place for the metrics, or null
 * @param socket          the Unix socket to serve, or null
 * @param shipping        background shipping to MinIO, or null
 * @param faults          the journal's fault seam: every file operation goes through it ({@code FLYWHEEL_FAULT} by
 *                        default, which is unset in production; tests make one step fail or stall)
 */
public record RuntimeConfig(Path dir, String hostId, JournalConfig journal, TypeClassifier types, int maxLineBytes,
                            long memoryBudget, Duration metricsInterval, Path metricsFile, Socket socket,
                            Shipping shipping, Faults faults) {

    /** What {@code flywheel run} keeps pending before producers wait: 16 MiB. */
    public static final int PENDING_BYTES = 16 << 20;

    /**
     * A Unix socket for producers and taps: {@code path} bound with permissions {@code mode}, or the listening socket
     * systemd passed as stdin when {@code inherited}.
     */
    public record Socket(Path path, boolean inherited, int mode, int maxConnections) {
        public static Socket at(Path path) {
            return new Socket(path, false, 0600, 1024);
        }
    }

    /** Ship sealed segments every {@code every}; with {@code maxBacklog}, durable ingest pauses while that much waits. */
    public record Shipping(ShipConfig config, S3Endpoint endpoint, Duration every, Long maxBacklog) {
    }

    public static RuntimeConfig defaults(Path dir) {
        return new RuntimeConfig(dir, null,
                new JournalConfig(JournalConfig.DEFAULT_ROLL_BYTES, Duration.ofMinutes(5), Duration.ofSeconds(30),
                        PENDING_BYTES, Duration.ofSeconds(60), JournalConfig.DEFAULT_MAX_REJECTED_BYTES),
                TypeClassifier.defaults(), 1 << 20, MemoryLimits.defaultBudget(), Duration.ofSeconds(5), null, null, null,
                FaultSpec.fromEnvironment());
    }

    public RuntimeConfig withJournal(JournalConfig j) {
        return new RuntimeConfig(dir, hostId, j, types, maxLineBytes, memoryBudget, metricsInterval, metricsFile, socket, shipping, faults);
    }

    public RuntimeConfig withTypes(TypeClassifier t) {
        return new RuntimeConfig(dir, hostId, journal, t, maxLineBytes, memoryBudget, metricsInterval, metricsFile, socket, shipping, faults);
    }

    public RuntimeConfig withHostId(String h) {
        return new RuntimeConfig(dir, h, journal, types, maxLineBytes, memoryBudget, metricsInterval, metricsFile, socket, shipping, faults);
    }

    public RuntimeConfig withLimits(int maxLine, long budget) {
        return new RuntimeConfig(dir, hostId, journal, types, maxLine, budget, metricsInterval, metricsFile, socket, shipping, faults);
    }

    public RuntimeConfig withMetrics(Duration interval, Path file) {
        return new RuntimeConfig(dir, hostId, journal, types, maxLineBytes, memoryBudget, interval, file, socket, shipping, faults);
    }

    public RuntimeConfig withSocket(Socket s) {
        return new RuntimeConfig(dir, hostId, journal, types, maxLineBytes, memoryBudget, metricsInterval, metricsFile, s, shipping, faults);
    }

    public RuntimeConfig withFaults(Faults f) {
        return new RuntimeConfig(dir, hostId, journal, types, maxLineBytes, memoryBudget, metricsInterval, metricsFile, socket, shipping, f);
    }

    public RuntimeConfig withShipping(Shipping s) {
        return new RuntimeConfig(dir, hostId, journal, types, maxLineBytes, memoryBudget, metricsInterval, metricsFile, socket, s, faults);
    }
}
