package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The journal's file operations, one method per {@link Step}: the single place where the journal touches the disk,
 * and the seam where {@link Faults} make a step fail or stall. A failure comes out as a {@link StepFailedException}
 * naming its step, so that {@link DiskErrorPolicy} decides what it means in one place.
 */
final class JournalFiles {
    private final Faults faults;

    JournalFiles(Faults faults) {
        this.faults = faults;
    }

    FileChannel createSegment(Path p) throws StepFailedException {
        return named(p, run(Step.SEGMENT_CREATE, p, () -> FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)));
    }

    /** Writes all of {@code buf} at {@code position} (positional: a failed earlier write cannot move it). */
    void write(Step step, FileChannel ch, ByteBuffer buf, long position) throws StepFailedException {
        run(step, names.get(ch), () -> {
            int torn = step == Step.SEGMENT_WRITE ? faults.tornWriteBytes(buf.remaining()) : -1;
            if (torn >= 0) {
                ByteBuffer part = buf.slice(buf.position(), torn);
                long pos = position;
                while (part.hasRemaining()) {
                    pos += ch.write(part, pos);
                }
                throw new IOException("No space left on device (injected torn write)");
            }
            long pos = position;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            return null;
        });
    }

    void truncate(Step step, FileChannel ch, long size) throws StepFailedException {
        run(step, names.get(ch), () -> ch.truncate(size));
    }

    void sync(Step step, FileChannel ch) throws StepFailedException {
        run(step, names.get(ch), () -> {
            ch.force(false);
            return null;
        });
    }

    void syncDirectory(Path dir) throws StepFailedException {
        run(Step.DIR_SYNC, dir, () -> {
            DataDir.fsyncDirectory(dir);
            return null;
        });
    }

    /** A second name for {@code existing}; done already when {@code name} is that same file. */
    void hardLink(Path name, Path existing) throws StepFailedException {
        run(Step.SEAL_LINK, name, () -> {
            try {
                Files.createLink(name, existing);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isSameFile(name, existing)) {
                    throw e;
                }
            }
            return null;
        });
    }

    void unlink(Path p) throws StepFailedException {
        run(Step.SEAL_UNLINK, p, () -> {
            try {
                Files.delete(p);
            } catch (NoSuchFileException done) {
                // removed by an earlier attempt whose error came after the fact
            }
            return null;
        });
    }

    /** Atomically makes {@code link} a symlink to {@code target}: a new link under a temporary name, renamed over it. */
    void swapSymlink(Path link, Path target) throws StepFailedException {
        run(Step.LINK_CURRENT, link, () -> {
            Path tmp = link.resolveSibling(link.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, target);
            DataDir.move(tmp, link);
            return null;
        });
    }

    void deleteSymlink(Path link) throws StepFailedException {
        run(Step.LINK_CURRENT, link, () -> Files.deleteIfExists(link));
    }

    /**
     * Replaces {@code target}'s content atomically: the whole content to a fresh {@code <target><tmpSuffix>.<random>}
     * (O_EXCL), fsync, rename.
     * The caller syncs the directory.
     */
    void replaceFile(Path target, String tmpSuffix, byte[] content) throws StepFailedException {
        replaceFile(target, tmpSuffix, content, Step.HIGH_WATER, Step.HIGH_WATER_SYNC);
    }

    /**
     * Writes a segment's seal record atomically; the caller makes its name durable no later than the sealed name
     * ({@link SegmentSealer}: retire's directory sync covers both).
     */
    void writeSealRecord(Path segment, SealRecord record) throws StepFailedException {
        replaceFile(SealRecord.pathFor(segment), ".tmp", record.toBytes(), Step.SEAL_RECORD, Step.SEAL_RECORD_SYNC);
    }

    private void replaceFile(Path target, String tmpSuffix, byte[] content, Step step, Step syncStep)
            throws StepFailedException {
        // a fresh random name per attempt, created O_EXCL: a name planted in the directory cannot redirect the write
        Path tmp = DataDir.tempName(target, tmpSuffix);
        boolean moved = false;
        try {
            FileChannel ch = named(tmp, run(step, tmp, () -> {
                FileChannel c = DataDir.createExclusive(tmp);
                try {
                    ByteBuffer buf = ByteBuffer.wrap(content);
                    while (buf.hasRemaining()) {
                        c.write(buf);
                    }
                } catch (IOException e) {
                    c.close();
                    throw e;
                }
                return c;
            }));
            try {
                sync(syncStep, ch);
            } finally {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // the data is synced or the sync error is thrown
                }
            }
            run(step, target, () -> {
                DataDir.move(tmp, target);
                return null;
            });
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless; the failure that matters is being thrown
                }
            }
        }
    }

    FileChannel openAppend(Path p) throws StepFailedException {
        return named(p, run(Step.REJECT_WRITE, p, () -> FileChannel.open(p, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)));
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    private <T> T run(Step step, Path file, IoCall<T> call) throws StepFailedException {
        try {
            faults.before(step);
            return call.call();
        } catch (StepFailedException e) {
            throw e;
        } catch (IOException e) {
            throw new StepFailedException(step, file, e);
        }
    }

    /** Which file each channel it opened writes, for the error messages of later steps on the channel. */
    private final Map<FileChannel, Path> names = Collections.synchronizedMap(new WeakHashMap<>());

    private FileChannel named(Path p, FileChannel ch) {
        names.put(ch, p);
        return ch;
    }
}
