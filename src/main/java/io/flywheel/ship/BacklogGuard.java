package io.flywheel.ship;

import io.flywheel.config.ByteSize;
import io.flywheel.journal.Journal;
import java.io.IOException;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Bounds the unshipped backlog ({@code --max-backlog}): while sealed-but-unshipped segments plus the open one reach
 * the limit, durable intake is paused - producers block, nothing is dropped - and it resumes by itself once
 * shipping has brought the backlog back under the limit. The directory is measured every interval; between
 * measurements every group commit adds what it wrote, so the bound is overshot by at most one group-commit batch.
 */
public final class BacklogGuard implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BacklogGuard.class);
    private final Journal journal;
    private final long maxBytes;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long backlog;
    private volatile long keptAtMeasure;

    public BacklogGuard(Journal journal, long maxBytes, Duration interval) {
        this.journal = journal;
        this.maxBytes = maxBytes;
        this.keptAtMeasure = journal.keptBytes();
        journal.onSync(this::afterCommit);
        this.thread = Thread.ofPlatform().daemon().name("flywheel-backlog").start(() -> loop(interval));
    }

    private void loop(Duration interval) {
        while (running) {
            try {
                check();
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cannot measure the unshipped backlog: %s", e.getMessage());
            }
        }
    }

    /** On the committer thread after each group commit: cheap arithmetic only. */
    private void afterCommit() {
        long now = backlog + (journal.keptBytes() - keptAtMeasure);
        if (now >= maxBytes && journal.intakePaused() == null) {
            pause(now);
        }
    }

    /** Never after {@link #close}: shutdown resumes intake so that blocked producers finish, and nothing may undo that. */
    private synchronized void pause(long now) {
        if (running && journal.intakePaused() == null) {
            String why = "unshipped backlog " + ByteSize.format(now) + " reached --max-backlog " + ByteSize.format(maxBytes);
            LOG.warnf("%s: durable ingest paused until shipping catches up", why);
            journal.pauseIntake(why);
        }
    }

    synchronized void check() throws IOException {
        long kept = journal.keptBytes();
        long now = Shipper.backlogBytes(journal.dir()) + journal.activeBytes();
        backlog = now;
        keptAtMeasure = kept;
        boolean paused = journal.intakePaused() != null;
        if (now >= maxBytes && !paused) {
            pause(now);
        } else if (now < maxBytes && paused) {
            LOG.infof("unshipped backlog down to %s: durable ingest resumed", ByteSize.format(now));
            journal.resumeIntake();
        }
    }

    public long backlogBytes() {
        return backlog;
    }

    /** Synchronized with {@link #pause}: once this returns, no pause can follow (a commit or a check in flight). */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
        }
        thread.interrupt();
    }
}
