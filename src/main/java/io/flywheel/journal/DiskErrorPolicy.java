package io.flywheel.journal;

import java.io.IOException;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The one place that decides what a journal I/O error means, after Kafka's {@code LogDirFailureChannel}. A failed
 * step that is safe to repeat ({@link Step#fatal()} false: create, link, write, truncate, rename, high-water mark,
 * reject log) is retried with backoff for up to {@code --disk-retry} while durable intake waits - a full disk that
 * frees up costs a pause, not data. A failed fsync is fatal at once: after it the kernel may have dropped the dirty
 * pages, so nothing written since the last good sync can be promised. Anything else unexpected is fatal too.
 *
 * <p>While retrying, {@link #trouble()} names the cause and every attempt counts as progress ({@link #heartbeat}):
 * a journal that keeps trying is degraded but alive, and a watchdog must tell it from a wedged one.
 */
final class DiskErrorPolicy {
    private static final Logger LOG = Logger.getLogger(DiskErrorPolicy.class);

    @FunctionalInterface
    interface Operation {
        void run() throws IOException;
    }

    private final DataDir dir;
    private final Duration retryFor;
    private final Runnable heartbeat;
    private volatile String trouble;

    DiskErrorPolicy(DataDir dir, Duration retryFor, Runnable heartbeat) {
        this.dir = dir;
        this.retryFor = retryFor;
        this.heartbeat = heartbeat;
    }

    /**
     * Runs {@code op} until it succeeds, calling it again after a retryable failure; {@code op} must be resumable.
     *
     * @throws JournalFailedException when a fatal step failed or retrying took longer than allowed
     */
    void run(Operation op) throws InterruptedException {
        long deadline = System.nanoTime() + retryFor.toNanos();
        long backoffMs = 50;
        while (true) {
            try {
                op.run();
                break;
            } catch (StepFailedException e) {
                String why = e.detail();
                if (e.step().fatal()) {
                    throw new JournalFailedException(e.step().label() + " failed in " + dir.root() + ": " + why
                            + "; events since the last good sync may be lost", e);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new JournalFailedException("cannot write to " + dir.root() + " (" + e.step().label() + ": "
                            + why + ") for " + retryFor.toSeconds() + "s; giving up", e);
                }
                if (trouble == null) {
                    LOG.errorf("cannot write to %s (%s: %s): durable ingest paused, retrying for up to %ds",
                            dir.root(), e.step().label(), why, retryFor.toSeconds());
                }
                trouble = e.step().label() + ": " + why;
                heartbeat.run();
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 1000);
            } catch (IOException e) {
                throw new JournalFailedException("journal failed in " + dir.root() + ": " + StepFailedException.describe(e), e);
            }
        }
        if (trouble != null) {
            LOG.infof("writing to %s again; durable ingest resumed", dir.root());
            trouble = null;
        }
    }

    /** The failing step and its cause while writes are being retried, or null when healthy. */
    String trouble() {
        return trouble;
    }
}
