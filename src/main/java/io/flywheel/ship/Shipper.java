package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.FaultSpec;
import io.flywheel.journal.SegmentRetention;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * Ships sealed segments of a data directory to an S3 bucket (MinIO), verifying every object before the local copy is
 * forgotten. One shipper per directory at a time: a pass holds {@code DIR/ship.lock} ({@link FileChannel#tryLock});
 * a pass that finds it held does nothing and reports {@link ShipReport#busy()}. The work is split: {@link S3Store}
 * (requests, {@link S3Failures}), {@link ShipPass} (the pass), {@link SegmentShipment} and {@link ObjectCheck} (one
 * segment, verification), {@link SegmentRetention} (the directory's side).
 */
public final class Shipper {
    private static final Logger LOG = Logger.getLogger(Shipper.class);
    public static final String LOCK_FILE = "ship.lock";

    private final DataDir dir;
    private final String host;
    private final ShipConfig config;
    private final S3Store store;
    private final SegmentRetention retention;
    private volatile ShipProgress progress = ShipProgress.NONE;

    /** @param hostOverride host id for object keys instead of the directory's stored one (not persisted), or null */
    public Shipper(DataDir dir, String hostOverride, ShipConfig config, S3Endpoint endpoint) {
        this.dir = dir;
        this.host = hostOverride != null ? DataDir.sanitizeHost(hostOverride) : dir.host();
        this.config = config;
        this.store = new S3Store(endpoint, config);
        this.retention = new SegmentRetention(dir, config.keepShipped(), FaultSpec.fromEnvironment());
    }

    public Shipper progress(ShipProgress p) {
        this.progress = p == null ? ShipProgress.NONE : p;
        return this;
    }

    public String host() {
        return host;
    }

    public ShipConfig config() {
        return config;
    }

    /** Sealed segments ready to ship in {@code segments/}, oldest first. */
    public static List<Path> sealedSegments(DataDir dir) throws IOException {
        return SegmentRetention.waiting(dir);
    }

    /** The unshipped backlog: the summed size of sealed segments in {@code segments/} (for --max-backlog). */
    public static long backlogBytes(DataDir dir) throws IOException {
        return SegmentRetention.waitingBytes(dir);
    }

    /** Ships every sealed segment now. Never throws: failures are in the report. */
    public synchronized ShipReport shipAll() {
        Path lockPath = dir.root().resolve(LOCK_FILE);
        try (FileChannel lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                return new ShipReport(0, 0, 0, 0, countPending(), null, true);
            }
            try {
                return persist(new ShipPass(dir, config, store, retention, host).run(progress));
            } catch (IOException | RuntimeException e) {
                LOG.debug("ship pass failed", e);
                return persist(new ShipReport(0, 0, 0, 0, countPending(), "local error: " + oneLine(e), false,
                        ShipException.Kind.LOCAL, Map.of(ShipException.Kind.LOCAL, 1)));
            } finally {
                lock.release();
            }
        } catch (IOException e) {
            LOG.debug("cannot take " + lockPath, e);
            return new ShipReport(0, 0, 0, 0, countPending(), "local error: " + oneLine(e), false,
                    ShipException.Kind.LOCAL, Map.of(ShipException.Kind.LOCAL, 1));
        }
    }

    /** Records the pass in DIR/ship.state and DIR/ship.prom (under the lock); never fails the pass. */
    private ShipReport persist(ShipReport r) {
        try {
            ShipState s = ShipState.record(dir, r, SegmentRetention.waitingBytes(dir), ShipPass.oldestWaiting(dir));
            ShipMetrics.write(dir, s);
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not write " + ShipState.FILE + " / " + ShipMetrics.FILE, e);
        }
        return r;
    }

    private int countPending() {
        try {
            return SegmentRetention.waiting(dir).size();
        } catch (IOException e) {
            return -1;
        }
    }

    public static String oneLine(Throwable e) {
        return S3Failures.oneLine(e);
    }
}
