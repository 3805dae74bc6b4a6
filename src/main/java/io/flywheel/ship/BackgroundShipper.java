package io.flywheel.ship;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link Shipper#shipAll()} every {@code every} on one daemon thread (for {@code flywheel run --ship-every}).
 * Never throws into the caller: the outcome of the last pass is in {@link #lastReport()} and {@link #lastError()}.
 * Passes do not overlap (fixed delay), and {@code ship.lock} keeps a concurrent {@code flywheel ship} from doing the
 * same work.
 */
public final class BackgroundShipper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BackgroundShipper.class);

    private final Shipper shipper;
    private ScheduledExecutorService executor;
    private volatile ShipReport lastReport;
    private volatile String lastError;
    private volatile String loggedError;

    public BackgroundShipper(Shipper shipper) {
        this.shipper = shipper;
    }

    /** Starts shipping: a first pass right away, then one {@code every} after each pass ends. */
    public synchronized void start(Duration every) {
        if (executor != null) {
            throw new IllegalStateException("already started");
        }
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("ship interval must be positive: " + every);
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flywheel-shipper");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::pass, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void pass() {
        try {
            ShipReport r = shipper.shipAll();
            lastReport = r;
            if (!r.busy()) {
                lastError = r.error();
            }
            if (r.error() != null && !r.error().equals(loggedError)) {
                LOG.warn("shipping: " + r.error() + " (" + r.pending() + " segments pending; retrying every pass)");
            } else if (r.error() == null && loggedError != null) {
                LOG.info("shipping works again");
            }
            loggedError = r.error();
            if (r.shipped() > 0) {
                LOG.debugf("shipped %d segments (%d bytes), %d pending", r.shipped(), r.bytes(), r.pending());
            }
        } catch (Throwable t) {
            // a scheduled task that throws is never run again: swallow everything
            lastError = Shipper.oneLine(t);
            LOG.debug("ship pass failed", t);
        }
    }

    /** The last pass's report, or null before the first pass ended. */
    public ShipReport lastReport() {
        return lastReport;
    }

    /** The last pass's error (one line), or null when it went well. */
    public String lastError() {
        return lastError;
    }

    /** Stops after the running pass (interrupting its backoff waits); waits up to 10 s. Never throws. */
    @Override
    public synchronized void close() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("shipper did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor = null;
    }
}
