package io.flywheel.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * {@code DIR/rejected/<time>-<instance>-<n>.jsonl}: one record per rejected input line, written with the group
 * commit it arrived in. Like a segment, a file only grows by whole records: a failed write is cut back before the
 * next. Bounded: files roll at an eighth of {@code --max-rejected-bytes}, and at every roll and at close the oldest
 * reject files are deleted while all of them together exceed it (between rolls the file being written may add up to
 * one group commit's rejects, a quarter of the pending batch, beyond it), so a client sending garbage cannot fill the disk the journal needs. What
 * the bound removes is counted ({@link #recordsDropped()}, {@link #bytesDropped()}). Torn tails kept by recovery
 * ({@code *.torn-*}) are not reject records and are never removed.
 */
final class RejectLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RejectLog.class);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final DataDir dir;
    private final JournalFiles files;
    private final long budget;
    private final long rollAt;
    private final AtomicLong recordsDropped = new AtomicLong();
    private final AtomicLong bytesDropped = new AtomicLong();
    private FileChannel channel;
    private Path path;
    private int fileNo;
    private long size;
    private boolean tornTail;
    private boolean dirty;

    RejectLog(DataDir dir, JournalFiles files, long budget) {
        this.dir = dir;
        this.files = files;
        this.budget = budget;
        this.rollAt = Math.max(budget / 8, 1);
    }

    /** Appends whole records; after a failed write the log is cut back to its last whole record before the next one. */
    void append(byte[] records, int len) throws IOException {
        if (channel != null && size > 0 && size + len > rollAt) {
            roll();
        }
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

    /** Closes the full file (synced) and lets the bound delete the oldest files; the next append starts a new one. */
    private void roll() throws IOException {
        sync();
        channel.close();
        channel = null;
        enforceBudget();
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            Path p = dir.rejected().resolve(FILE_TIME.format(Instant.now()) + "-" + dir.instance() + "-" + (fileNo++) + ".jsonl");
            FileChannel ch = files.openAppend(p);
            size = ch.size();
            files.syncDirectory(dir.rejected());
            channel = ch;
            path = p;
        }
        return channel;
    }

    /**
     * Deletes the oldest reject files (names sort by time) while all of them, the one being written included, hold
     * more than the budget. Best effort: a file that cannot be deleted now is tried again at the next roll.
     */
    void enforceBudget() {
        try {
            List<Path> rejects = new ArrayList<>();
            long total = 0;
            for (Path p : Recovery.list(dir.rejected())) {
                String name = p.getFileName().toString();
                if (name.endsWith(".jsonl") && !name.contains(".torn-")) {
                    rejects.add(p);
                    total += sizeOf(p);
                }
            }
            for (Path p : rejects) {
                if (total <= budget) {
                    break;
                }
                if (p.equals(path) && channel != null) {
                    continue;
                }
                long bytes = sizeOf(p);
                long records = SegmentReader.countLines(p);
                try {
                    Files.delete(p);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                total -= bytes;
                recordsDropped.addAndGet(records);
                bytesDropped.addAndGet(bytes);
                LOG.warnf("rejected/ is over --max-rejected-bytes %d: deleted the oldest reject file %s (%d records)",
                        budget, p.getFileName(), records);
            }
        } catch (IOException e) {
            LOG.warnf("cannot keep rejected/ within %d bytes: %s", budget, StepFailedException.describe(e));
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    long recordsDropped() {
        return recordsDropped.get();
    }

    long bytesDropped() {
        return bytesDropped.get();
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            sync();
            channel.close();
            channel = null;
            enforceBudget();
        }
    }
}
