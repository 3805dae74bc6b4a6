package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** One {@code flywheel run} per data directory: an OS file lock on {@code DIR/run.lock}, released by the kernel on any exit. */
public final class WriterLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or returns empty when another live process holds it. */
    public static Optional<WriterLock> tryAcquire(DataDir dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.writerLock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        FileLock l = ch.tryLock();
        if (l == null) {
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return Optional.of(new WriterLock(ch, l));
    }

    /**
     * Whether a live process holds the lock, without taking it for long and without changing the file (a shared lock
     * on a read-only channel conflicts with the writer's exclusive one). For status and verify.
     */
    public static boolean isHeld(DataDir dir) throws IOException {
        if (!Files.exists(dir.writerLock())) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(dir.writerLock(), StandardOpenOption.READ)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // held by this very process
        }
    }

    /** The pid written by the current holder, for error messages. */
    public static String holder(DataDir dir) {
        try {
            return Files.readString(dir.writerLock()).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
