package io.flywheel.journal;

import io.flywheel.stats.LatencyHistogram;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The journal's one writer thread, after BookKeeper's force thread: takes the filling batch, writes it with one
 * call per segment, fdatasyncs the open segment once (and the reject log when the batch carries rejects; a segment
 * sealed on the way is synced as it is sealed), then publishes the batch's ticket as synced. Seals segments when they are due.
 * Every disk step goes through {@link DiskErrorPolicy}; when it gives up, the journal fails and every waiter hears.
 */
final class Committer {
    private static final Logger LOG = Logger.getLogger(Committer.class);

    private final CommitQueue queue;
    private final SegmentLog segments;
    private final RejectLog rejects;
    private final DiskErrorPolicy policy;
    private final Thread thread;
    private final Object syncMonitor = new Object();
    private final List<Runnable> syncListeners = new CopyOnWriteArrayList<>();
    private final LatencyHistogram syncLatency = new LatencyHistogram();
    private final AtomicLong keptEvents = new AtomicLong();
    private final AtomicLong keptBytes = new AtomicLong();
    private final AtomicLong rejectsKept = new AtomicLong();
    private volatile long syncedTicket;
    private volatile long lastSyncedSeq;
    /** System.nanoTime() of the last loop turn, finished commit or retry attempt (for a watchdog). */
    private volatile long lastProgressNanos = System.nanoTime();
    /** Set while a taken batch is being written. */
    private volatile boolean writing;

    Committer(CommitQueue queue, SegmentLog segments, RejectLog rejects, DataDir dir, JournalConfig config, long lastSeq) {
        this.queue = queue;
        this.segments = segments;
        this.rejects = rejects;
        this.policy = new DiskErrorPolicy(dir, config.diskRetry(), () -> lastProgressNanos = System.nanoTime());
        this.lastSyncedSeq = lastSeq;
        this.thread = new Thread(this::loop, "flywheel-journal");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void join() throws InterruptedException {
        thread.join();
    }

    private void loop() {
        try {
            while (true) {
                lastProgressNanos = System.nanoTime();
                CommitQueue.Taken taken = queue.take(segments::nanosUntilTimedRoll);
                if (taken != null) {
                    commit(taken);
                }
                if (segments.sealDue()) {
                    policy.run(segments::seal);
                }
                if (segments.retireDue()) {
                    policy.run(() -> segments.retire(false));
                }
                if (queue.drained()) {
                    break;
                }
            }
            policy.run(() -> {
                segments.seal();
                segments.retire(true);
                rejects.close();
            });
            segments.closeDigester();
        } catch (JournalFailedException e) {
            fail(e);
        } catch (InterruptedException e) {
            fail(new JournalFailedException("journal interrupted", e));
        } catch (RuntimeException | Error e) {
            fail(new JournalFailedException("journal failed: " + e, e));
        }
    }

    private void commit(CommitQueue.Taken taken) throws InterruptedException {
        PendingBatch batch = taken.batch();
        writing = true;
        long t0 = System.nanoTime();
        policy.run(() -> write(batch));
        syncLatency.recordNanos(System.nanoTime() - t0);
        keptEvents.addAndGet(batch.events);
        keptBytes.addAndGet(batch.size);
        rejectsKept.addAndGet(batch.rejectCount);
        if (batch.events > 0) {
            lastSyncedSeq = batch.lastSeq;
        }
        publish(taken.ticket());
        segments.awaitHashed(); // hashed meanwhile, while the sync ran; the buffer goes back to producers next
        writing = false;
        lastProgressNanos = System.nanoTime();
        queue.recycle(batch);
    }

    /** One group commit, resumable after any failed step: segment lines, reject records, then the syncs. */
    private void write(PendingBatch b) throws IOException {
        segments.append(b);
        if (b.rejectSize > 0 && !b.rejectsWritten) {
            rejects.append(b.rejects, b.rejectSize);
            b.rejectsWritten = true;
        }
        segments.sync();
        rejects.sync();
    }

    private void publish(long ticket) {
        synchronized (syncMonitor) {
            syncedTicket = ticket;
            syncMonitor.notifyAll();
        }
        for (Runnable l : syncListeners) {
            l.run();
        }
    }

    private void fail(JournalFailedException e) {
        LOG.error(e.getMessage());
        segments.closeDigester();
        queue.fail(e);
        synchronized (syncMonitor) {
            syncMonitor.notifyAll();
        }
        for (Runnable l : syncListeners) {
            l.run();
        }
    }

    boolean awaitSynced(long ticket, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (syncMonitor) {
            while (syncedTicket < ticket) {
                JournalFailedException failure = queue.failure();
                if (failure != null) {
                    throw failure;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(syncMonitor, left);
            }
        }
        return true;
    }

    void onSync(Runnable listener) {
        syncListeners.add(listener);
    }

    long syncedTicket() {
        return syncedTicket;
    }

    long lastSyncedSeq() {
        return lastSyncedSeq;
    }

    long lastProgressNanos() {
        return lastProgressNanos;
    }

    boolean writing() {
        return writing;
    }

    String diskTrouble() {
        return policy.trouble();
    }

    LatencyHistogram syncLatency() {
        return syncLatency;
    }

    long keptEvents() {
        return keptEvents.get();
    }

    long keptBytes() {
        return keptBytes.get();
    }

    long rejectsKept() {
        return rejectsKept.get();
    }
}
