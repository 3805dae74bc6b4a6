package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code DIR/rejected/<time>-<instance>.jsonl}: one record per rejected input line, written with the group commit
 * it arrived in. Like a segment, it only grows by whole records: a failed write is cut back before the next.
 */
final class RejectLog implements AutoCloseable {
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final DataDir dir;
    private final JournalFiles files;
    private FileChannel channel;
    private long size;
    private boolean tornTail;
    private boolean dirty;

    RejectLog(DataDir dir, JournalFiles files) {
        this.dir = dir;
        this.files = files;
    }

    /** Appends whole records; on failure the log is cut back to its last whole record (now or before the next write). */
    void append(byte[] records, int len) throws IOException {
        FileChannel ch = channel();
        if (tornTail) {
            files.truncate(Step.REJECT_WRITE, ch, size);
            tornTail = false;
        }
        try {
            files.write(Step.REJECT_WRITE, ch, ByteBuffer.wrap(records, 0, len), size);
        } catch (StepFailedException e) {
            tornTail = true;
            throw e;
        }
        size += len;
        dirty = true;
    }

    void sync() throws IOException {
        if (dirty) {
            files.sync(Step.REJECT_SYNC, channel);
            dirty = false;
        }
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            String name = FILE_TIME.format(Instant.now()) + "-" + dir.instance() + ".jsonl";
            FileChannel ch = files.openAppend(dir.rejected().resolve(name));
            size = ch.size();
            files.syncDirectory(dir.rejected());
            channel = ch;
        }
        return channel;
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            sync();
            channel.close();
            channel = null;
        }
    }
}
