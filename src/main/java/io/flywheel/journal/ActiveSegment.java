package io.flywheel.journal;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The segment being written: {@code segments/<name>.jsonl.open}. Every step on it can be retried: writes are
 * positional at {@link #size} (the end of the last whole line), and a write that failed half-way leaves
 * {@link #tornTail} set until a truncate has cut the file back, so that no line is ever appended after a torn one.
 */
final class ActiveSegment {
    final SegmentName name;
    final Path openPath;
    final Path sealedPath;
    final FileChannel channel;
    final long openedAtNanos;
    /** Bytes of whole lines in the file; the file may be longer only while {@link #tornTail} is set. */
    long size;
    long lastSeq = -1;
    long lastWriteNanos;
    /** {@code current.jsonl} names this segment (linking is a step of its own, retried apart from creation). */
    boolean linked;
    /** A failed write may have left bytes after {@link #size}; they are cut before anything else is written. */
    boolean tornTail;
    /** Sealing has begun: the segment takes no more lines, and a retry resumes sealing it. */
    boolean sealing;
    /** Fed with every line that reached the file, so that sealing never has to read the segment back. */
    private final SealRecord.Hasher hasher;
    private final SegmentDigester digester;
    private SealRecord sealRecord;

    ActiveSegment(SegmentName name, Path segments, FileChannel channel, SegmentDigester digester, long md5PartSize) {
        this.hasher = new SealRecord.Hasher(md5PartSize);
        this.digester = digester;
        this.name = name;
        this.openPath = segments.resolve(name.openFileName());
        this.sealedPath = segments.resolve(name.sealedFileName());
        this.channel = channel;
        this.openedAtNanos = System.nanoTime();
        this.lastWriteNanos = openedAtNanos;
    }

    void write(JournalFiles files, byte[] data, int off, int len) throws StepFailedException {
        cutTornTail(files);
        try {
            files.write(Step.SEGMENT_WRITE, channel, ByteBuffer.wrap(data, off, len), size);
        } catch (StepFailedException e) {
            tornTail = true;
            try {
                cutTornTail(files);
            } catch (StepFailedException t) {
                e.addSuppressed(t); // still torn: the next attempt cuts first
            }
            throw e;
        }
        digester.submit(hasher, data, off, len);
        size += len;
        lastWriteNanos = System.nanoTime();
    }

    /** The record of what was written; fixed at the first call (a retried seal must write the same record). */
    SealRecord sealRecord() {
        if (sealRecord == null) {
            digester.awaitAll();
            sealRecord = hasher.finish(name.firstSeq(), lastSeq);
        }
        return sealRecord;
    }

    void cutTornTail(JournalFiles files) throws StepFailedException {
        if (tornTail) {
            files.truncate(Step.SEGMENT_TRUNCATE, channel, size);
            tornTail = false;
        }
    }

    void sync(JournalFiles files) throws StepFailedException {
        files.sync(Step.SEGMENT_SYNC, channel);
    }
}
