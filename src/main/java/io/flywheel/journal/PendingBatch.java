package io.flywheel.journal;

import java.util.Arrays;

/** Envelopes and reject records accepted since the last group commit; swapped out whole by the committer. */
final class PendingBatch {
    byte[] data = new byte[1 << 20];
    int size;
    int events;
    long firstSeq;
    long lastSeq;
    byte[] rejects = new byte[0];
    int rejectSize;
    int rejectCount;
    /** How much of {@link #data} is already written (a retried write resumes here). */
    int written;
    boolean rejectsWritten;

    boolean isEmptyOfEvents() {
        return events == 0;
    }

    boolean isEmpty() {
        return size == 0 && rejectSize == 0;
    }

    void ensure(int extra) {
        if (size + extra > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + extra));
        }
    }

    void addReject(byte[] record) {
        if (rejectSize + record.length > rejects.length) {
            rejects = Arrays.copyOf(rejects, Math.max(Math.max(rejects.length * 2, 4096), rejectSize + record.length));
        }
        System.arraycopy(record, 0, rejects, rejectSize, record.length);
        rejectSize += record.length;
        rejectCount++;
    }

    void clear() {
        size = 0;
        events = 0;
        rejectSize = 0;
        rejectCount = 0;
        written = 0;
        rejectsWritten = false;
        if (data.length > 16 << 20) {
            data = new byte[1 << 20];
        }
        if (rejects.length > 1 << 20) {
            rejects = new byte[0];
        }
    }
}
