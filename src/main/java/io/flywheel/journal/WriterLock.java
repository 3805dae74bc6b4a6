package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One {@code flywheel run} per data directory: an OS file lock on {@code DIR/run.lock}, released by the kernel on any exit. */
public final class WriterLock implements AutoCloseable {
    /**
     * Lock files this process holds. POSIX locks belong to the process and the kernel drops them when any descriptor
     * of the file closes, so once held here the file is never opened again by this process.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private WriterLock(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or returns empty when another live process holds it. */
    public static Optional<WriterLock> tryAcquire(DataDir dir) throws IOException {
        // claimed before the file is opened: a second channel on it in this process, closed later, would drop the
        // lock the first one holds (POSIX locks belong to the process), letting another writer in
        if (!HELD.add(dir.writerLock())) {
            return Optional.empty();
        }
        boolean taken = false;
        try {
            Optional<WriterLock> lock = lock(dir);
            taken = lock.isPresent();
            return lock;
        } finally {
            if (!taken) {
                HELD.remove(dir.writerLock());
            }
        }
    }

    private static Optional<WriterLock> lock(DataDir dir) throws IOException {
        FileChannel ch;
        try {
            // never through a link: the lock file is truncated and written, which must not reach a planted target
            ch = FileChannel.open(dir.writerLock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            // ELOOP comes as a plain IOException without the file name
            if (Files.isSymbolicLink(dir.writerLock())) {
                throw new IOException(dir.writerLock() + " is a symbolic link; Flywheel never writes through links in "
                        + "its data directory. Remove it (no flywheel run is using it) and start again");
            }
            throw e;
        }
        if (!Files.isRegularFile(dir.writerLock(), LinkOption.NOFOLLOW_LINKS)) {
            ch.close();
            throw new IOException(dir.writerLock() + " is not a regular file; remove it and start again");
        }
        FileLock l = ch.tryLock();
        if (l == null) {
            ch.close();
            return Optional.empty();
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return Optional.of(new WriterLock(dir.writerLock(), ch, l));
    }

    /**
     * Whether a live process holds the lock, without taking it for long and without changing the file (a shared lock
     * on a read-only channel conflicts with the writer's exclusive one). For status and verify.
     */
    public static boolean isHeld(DataDir dir) throws IOException {
        if (HELD.contains(dir.writerLock())) {
            return true;
        }
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
            return true; // held by this process under another name (and now lost by the close): see HELD
        }
    }

    /** The pid written by the current holder, for error messages. */
    public static String holder(DataDir dir) {
        if (HELD.contains(dir.writerLock())) {
            return Long.toString(ProcessHandle.current().pid());
        }
        try {
            return Files.readString(dir.writerLock()).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            HELD.remove(path);
        }
    }
}
