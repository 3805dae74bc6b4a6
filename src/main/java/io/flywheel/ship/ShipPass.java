package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.SegmentName;
import io.flywheel.journal.SegmentRetention;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One pass over the waiting segments, {@code parallel} at a time. A failure that the next segment would meet too
 * (server down, credentials, configuration) stops the pass; a conflict or a corrupt segment fails only that
 * segment. The pass ends by recording its outcome ({@code ship.state}) and the metrics ({@code ship.prom}).
 */
final class ShipPass {
    private static final Logger LOG = Logger.getLogger(ShipPass.class);
    static final String TMP_DIR = "ship-tmp";

    private final DataDir dir;
    private final ShipConfig config;
    private final S3Store store;
    private final SegmentRetention retention;
    private final String host;

    ShipPass(DataDir dir, ShipConfig config, S3Store store, SegmentRetention retention, String host) {
        this.dir = dir;
        this.config = config;
        this.store = store;
        this.retention = retention;
        this.host = host;
    }

    ShipReport run(ShipProgress pr) throws IOException {
        Path tmpDir = dir.root().resolve(TMP_DIR);
        cleanTmp(tmpDir);
        retention.finishInterruptedMoves();
        retention.prune();
        List<Path> segments = SegmentRetention.waiting(dir);
        long total = 0;
        for (Path p : segments) {
            total += Files.size(p);
        }
        Map<ShipException.Kind, Integer> failures = new EnumMap<>(ShipException.Kind.class);
        pr.begin(segments.size(), total);
        int shipped = 0, present = 0, failed = 0;
        long bytes = 0;
        AtomicReference<ShipException> stop = new AtomicReference<>();
        ShipException last = null;
        ExecutorService pool = null;
        try {
            if (!segments.isEmpty()) {
                try {
                    store.ensureBucket();
                } catch (ShipException e) {
                    LOG.debug("bucket check failed", e);
                    failures.merge(e.kind(), 1, Integer::sum);
                    return new ShipReport(0, 0, 0, 0, segments.size(), e.getMessage(), false, e.kind(), failures);
                }
            }
            SegmentShipment shipment = new SegmentShipment(store, config, host, retention, tmpDir, pr);
            pool = Executors.newFixedThreadPool(Math.min(config.parallel(), Math.max(1, segments.size())), r -> {
                Thread t = new Thread(r, "flywheel-ship-upload");
                t.setDaemon(true);
                return t;
            });
            List<Future<SegmentShipment.Outcome>> futures = new java.util.ArrayList<>();
            for (Path seg : segments) {
                futures.add(pool.submit(() -> {
                    // segments queued behind a pass-stopping failure are not tried: they would fail the same way
                    if (stop.get() != null || Thread.currentThread().isInterrupted()) {
                        return null;
                    }
                    try {
                        SegmentShipment.Outcome o = shipment.ship(seg);
                        pr.segmentDone(seg.getFileName().toString());
                        return o;
                    } catch (ShipException e) {
                        if (e.kind().stopsPass()) {
                            stop.compareAndSet(null, e);
                        }
                        throw e;
                    }
                }));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    SegmentShipment.Outcome o = futures.get(i).get();
                    if (o == null) {
                        continue;
                    }
                    if (o.uploaded()) {
                        shipped++;
                        bytes += o.bytes();
                    } else {
                        present++;
                    }
                } catch (java.util.concurrent.ExecutionException ee) {
                    ShipException e = ee.getCause() instanceof ShipException se ? se
                            : new ShipException(ShipException.Kind.FATAL, S3Failures.oneLine(ee.getCause()), ee.getCause());
                    failed++;
                    failures.merge(e.kind(), 1, Integer::sum);
                    LOG.debug("shipping " + segments.get(i).getFileName() + " failed", e);
                    if (!e.kind().stopsPass()) {
                        LOG.warn(e.getMessage());
                    }
                    if (last == null || (e.kind().stopsPass() && !last.kind().stopsPass())) {
                        last = e;
                    }
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            last = new ShipException(ShipException.Kind.UNAVAILABLE, "interrupted", ie);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
                try {
                    pool.awaitTermination(30, TimeUnit.SECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
            pr.end();
            cleanTmp(tmpDir);
        }
        if (stop.get() != null) {
            store.recheckBucket();
            last = stop.get();
        }
        return new ShipReport(shipped, present, failed, bytes, SegmentRetention.waiting(dir).size(),
                last == null ? null : last.getMessage(), false, last == null ? null : last.kind(), failures);
    }

    /** First-event time of the oldest waiting segment, or null. */
    static Instant oldestWaiting(DataDir dir) throws IOException {
        for (Path p : SegmentRetention.waiting(dir)) {
            var n = SegmentName.parse(p.getFileName().toString());
            if (n.isPresent()) {
                return n.get().firstEventTime();
            }
        }
        return null;
    }

    private static void cleanTmp(Path tmpDir) {
        if (!Files.isDirectory(tmpDir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debug("cannot clean " + tmpDir, e);
        }
    }
}
