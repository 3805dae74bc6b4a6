package io.flywheel.journal;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The group-commit queue, after BookKeeper's journal: producers encode envelopes into the filling batch under a
 * short lock and get the batch's ticket; the committer swaps the whole batch out at once (double buffering), so
 * everything that arrived while the previous sync ran goes into the next one. Bounded by bytes: producers wait
 * while the filling batch is full - the backpressure they see.
 */
final class CommitQueue {
    final ReentrantLock lock = new ReentrantLock();
    private final Condition hasWork = lock.newCondition();
    private final Condition hasRoom = lock.newCondition();
    private final TimestampCache timestamps = new TimestampCache();
    private final int maxPendingBytes;

    // guarded by lock
    private PendingBatch filling = new PendingBatch();
    private PendingBatch spare = new PendingBatch();
    private final SequenceText nextSeq;
    private long fillingTicket = 1;
    private boolean closing;
    private volatile JournalFailedException failure;
    private volatile String intakePaused;

    CommitQueue(long firstSeq, int maxPendingBytes) {
        this.nextSeq = new SequenceText(firstSeq);
        this.maxPendingBytes = maxPendingBytes;
    }

    long append(byte[] sourceJson, long receivedAtMillis, byte[] event, int off, int len) throws InterruptedException {
        int need = Envelope.maxSize(sourceJson.length, len);
        lock.lockInterruptibly();
        try {
            awaitRoom(need, true);
            PendingBatch b = filling;
            b.ensure(need);
            long seq = nextSeq.value();
            b.size = Envelope.encode(b.data, b.size, nextSeq, timestamps.format(receivedAtMillis), sourceJson, event, off, len);
            nextSeq.increment();
            if (b.isEmptyOfEvents()) {
                b.firstSeq = seq;
                hasWork.signal();
            }
            b.events++;
            b.lastSeq = seq;
            return fillingTicket;
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number the latest append gave; the caller holds {@link #lock}. */
    long lastAssignedSeq() {
        return nextSeq.value() - 1;
    }

    long reject(byte[] record) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            awaitRoom(record.length, false);
            if (filling.isEmpty()) {
                hasWork.signal();
            }
            filling.addReject(record);
            return fillingTicket;
        } finally {
            lock.unlock();
        }
    }

    private void awaitRoom(int need, boolean durable) throws InterruptedException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (closing) {
                throw new JournalClosedException();
            }
            if (durable && intakePaused != null) {
                hasRoom.await();
                continue;
            }
            if (!durable && filling.rejectSize > 0 && filling.rejectSize + need > maxPendingBytes / 4) {
                // reject records get a quarter of the batch at most: garbage from one client never crowds out durable events
                hasRoom.await();
                continue;
            }
            if (filling.isEmpty() || filling.size + filling.rejectSize + need <= maxPendingBytes) {
                return;
            }
            hasRoom.await();
        }
    }

    /** A batch taken by the committer, with the ticket its producers wait for. */
    record Taken(PendingBatch batch, long ticket) {
    }

    /**
     * Waits up to {@code waitNanos} (less when a timed roll is due: the supplier says how long) for work and takes
     * the filling batch; null when there was none.
     */
    Taken take(java.util.function.LongSupplier waitNanos) throws InterruptedException {
        lock.lock();
        try {
            while (filling.isEmpty() && !closing) {
                long wait = waitNanos.getAsLong();
                if (wait <= 0) {
                    break;
                }
                hasWork.awaitNanos(wait);
            }
            if (filling.isEmpty()) {
                return null;
            }
            PendingBatch batch = filling;
            filling = spare;
            spare = null;
            hasRoom.signalAll();
            return new Taken(batch, fillingTicket++);
        } finally {
            lock.unlock();
        }
    }

    /** Gives a written batch back as the spare buffer. */
    void recycle(PendingBatch batch) {
        batch.clear();
        lock.lock();
        try {
            spare = batch;
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return filling.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** True once closing was asked for and everything accepted before has been taken. */
    boolean drained() {
        lock.lock();
        try {
            return closing && filling.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    void close() {
        lock.lock();
        try {
            closing = true;
            hasWork.signal();
            hasRoom.signalAll(); // a producer waiting for room (or for paused intake) gets JournalClosedException
        } finally {
            lock.unlock();
        }
    }

    void fail(JournalFailedException e) {
        lock.lock();
        try {
            failure = e;
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    JournalFailedException failure() {
        return failure;
    }

    void pauseIntake(String reason) {
        lock.lock();
        try {
            intakePaused = reason;
        } finally {
            lock.unlock();
        }
    }

    void resumeIntake() {
        lock.lock();
        try {
            intakePaused = null;
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    String intakePaused() {
        return intakePaused;
    }
}
