package io.flywheel.journal;

import io.flywheel.stats.LatencyHistogram;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The durable write-ahead journal with group commit. Producers {@link #append} envelopes to the {@link CommitQueue};
 * the {@link Committer} writes each batch to the rolling {@link SegmentLog} (and rejects to the {@link RejectLog})
 * with one fdatasync of the open segment (and one of the reject log when the batch carries rejects), then publishes
 * the batch's ticket as synced; {@link DiskErrorPolicy} decides what a failed step means.
 *
 * <p>An event counts as kept only once {@link #syncedTicket()} reaches the ticket {@link #append} returned.
 */
public final class Journal implements AutoCloseable {
    private final DataDir dir;
    private final CommitQueue queue;
    private final SegmentLog segments;
    private final Committer committer;
    private SyncedMark mark; // set by open, before the committer starts
    private final RejectLog rejects;

    private Journal(DataDir dir, JournalConfig config, Faults faults, long nextSeq) {
        this.dir = dir;
        JournalFiles files = new JournalFiles(faults);
        this.queue = new CommitQueue(nextSeq, config.maxPendingBytes());
        this.segments = new SegmentLog(dir, config, files);
        this.rejects = new RejectLog(dir, files, config.maxRejectedBytes());
        this.rejects.enforceBudget();
        this.committer = new Committer(queue, segments, rejects, dir, config, nextSeq - 1);
    }

    /** Recovers what a crash left behind, then starts the committer. The caller holds the directory's writer lock. */
    public static Journal open(DataDir dir, JournalConfig config, RecoveryListener listener) throws IOException {
        return open(dir, config, listener, FaultSpec.fromEnvironment());
    }

    /** As {@link #open(DataDir, JournalConfig, RecoveryListener)}, with every file operation going through {@code faults}. */
    public static Journal open(DataDir dir, JournalConfig config, RecoveryListener listener, Faults faults) throws IOException {
        long next = Recovery.recover(dir, listener, new JournalFiles(faults), SegmentLog.md5PartSize(dir, config));
        Journal j = new Journal(dir, config, faults, next);
        j.mark = SyncedMark.open(dir, next - 1); // everything recovered is on disk
        if (j.mark != null) {
            SyncedMark mark = j.mark;
            j.onSync(() -> mark.set(j.lastSyncedSeq()));
        }
        j.committer.start();
        return j;
    }

    /**
     * Accepts one durable event: assigns the next sequence number and queues its envelope for the next group commit.
     * Blocks while the pending batch is full (the journal cannot keep up) - that is the backpressure producers see.
     *
     * @param sourceJson the source as a JSON string literal, quotes included
     * @return the ticket to wait for with {@link #syncedTicket()}
     * @throws JournalFailedException when the journal has given up on the disk
     * @throws JournalClosedException when the journal is closing
     */
    public long append(byte[] sourceJson, long receivedAtMillis, byte[] event, int off, int len) throws InterruptedException {
        return queue.append(sourceJson, receivedAtMillis, event, off, len);
    }

    /**
     * Holds the journal's lock across many appends (it is reentrant): an input handing over a block of lines pays
     * for one contended acquire and release instead of one per event. Close it to let the committer swap again.
     */
    public Hold hold() {
        queue.lock.lock();
        return queue.lock::unlock;
    }

    /**
     * The sequence number the latest {@link #append} gave. Read it while holding {@link #hold()} across the append,
     * or the number may already belong to another producer's event.
     */
    public long lastAppendedSeq() {
        if (queue.lock.isHeldByCurrentThread()) {
            // the usual caller holds the lock across its appends: a second acquire and release per event would be
            // the broadcast's largest cost to producers
            return queue.lastAssignedSeq();
        }
        try (Hold h = hold()) {
            return queue.lastAssignedSeq();
        }
    }

    /** A held journal lock; closing releases it. */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /** Queues a reject record (one JSONL line) for {@code rejected/}; it is fsynced with the next group commit. */
    public long reject(byte[] record) throws InterruptedException {
        return queue.reject(record);
    }

    /**
     * Holds durable appends (they block, as under backpressure) until {@link #resumeIntake()}: for a bounded
     * backlog, durable input waits rather than being dropped. Rejects still go through.
     */
    public void pauseIntake(String reason) {
        queue.pauseIntake(reason);
    }

    public void resumeIntake() {
        queue.resumeIntake();
    }

    /** Why durable intake is paused, or null. */
    public String intakePaused() {
        return queue.intakePaused();
    }

    /** Bytes in the segment being written (0 when none is open). */
    public long activeBytes() {
        return segments.activeBytes();
    }

    /** The highest ticket whose events are fsynced. */
    public long syncedTicket() {
        return committer.syncedTicket();
    }

    /** Waits until {@code ticket} is synced; false on timeout. Throws when the journal failed before that. */
    public boolean awaitSynced(long ticket, long timeout, TimeUnit unit) throws InterruptedException {
        return committer.awaitSynced(ticket, timeout, unit);
    }

    /** Runs on the committer thread after every group commit (and on failure); must be quick and never block. */
    public void onSync(Runnable listener) {
        committer.onSync(listener);
    }

    /** Drains what was accepted, syncs, seals the active segment and stops. Throws if that could not be done. */
    @Override
    public void close() throws InterruptedException {
        queue.close();
        committer.join();
        if (mark != null) {
            mark.close();
        }
        if (queue.failure() != null) {
            throw queue.failure();
        }
    }

    /** System.nanoTime() of the committer's last sign of life (a loop turn, a group commit or a retry attempt). */
    public long lastProgressNanos() {
        return committer.lastProgressNanos();
    }

    /**
     * How long accepted data has been waiting without the committer making progress, in nanoseconds: 0 when idle
     * (nothing pending) or when the committer cycled or retried recently. A watchdog treats a large value as a
     * wedged journal; a journal retrying a full disk is degraded ({@link #diskTrouble()}), not wedged.
     */
    public long stalledNanos() {
        boolean pending = committer.writing() || !queue.isEmpty();
        return pending ? Math.max(0, System.nanoTime() - committer.lastProgressNanos()) : 0;
    }

    public JournalFailedException failure() {
        return queue.failure();
    }

    /** The failing step and its cause while writes are being retried (durable ingest is paused); null when healthy. */
    public String diskTrouble() {
        return committer.diskTrouble();
    }

    public long keptEvents() {
        return committer.keptEvents();
    }

    public long keptBytes() {
        return committer.keptBytes();
    }

    public long rejectsKept() {
        return committer.rejectsKept();
    }

    /** Reject records deleted to keep {@code rejected/} within its bound (oldest files first). */
    public long rejectsDropped() {
        return rejects.recordsDropped();
    }

    public long rejectBytesDropped() {
        return rejects.bytesDropped();
    }

    public long segmentsSealed() {
        return segments.sealedCount();
    }

    public long lastSyncedSeq() {
        return committer.lastSyncedSeq();
    }

    public LatencyHistogram syncLatency() {
        return committer.syncLatency();
    }

    public DataDir dir() {
        return dir;
    }

    /** For the source of envelope lines: a JSON string literal. */
    public static byte[] sourceJson(String source) {
        StringBuilder sb = new StringBuilder(source.length() + 2).append('"');
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
