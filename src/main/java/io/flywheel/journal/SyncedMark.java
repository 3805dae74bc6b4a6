package io.flywheel.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * {@code synced.seq}: the highest seq the running writer has fsynced, for readers of the files (follow) that must
 * not show what a power cut or a disk given up on could still take back. Written after every group commit - a
 * positional write of 16 bytes, never fsynced: it only says how far the files are already durable, and a reader
 * takes it only while the writer lock is held. The seq is stored with its complement, so that a read racing a write
 * is recognised and read again.
 */
public final class SyncedMark implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SyncedMark.class);
    private static final String FILE = "synced.seq";

    private final FileChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocate(16);
    private boolean warned;

    private SyncedMark(FileChannel channel) {
        this.channel = channel;
    }

    static Path path(DataDir dir) {
        return dir.root().resolve(FILE);
    }

    /**
     * Opens (creating) the mark of a directory this process writes, set to {@code seq}; null when it cannot (logged):
     * the journal runs without it, and follow then shows whatever the files hold, as with a writer of an older version.
     */
    static SyncedMark open(DataDir dir, long seq) {
        Path p = path(dir);
        try {
            if (Files.isSymbolicLink(p)) {
                Files.delete(p); // never written through: a planted link goes, the file is made anew
            }
            SyncedMark m = new SyncedMark(FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS));
            m.set(seq);
            return m;
        } catch (IOException e) {
            LOG.warnf("cannot write %s (follow will show lines not yet fsynced too): %s", p, e.getMessage());
            return null;
        }
    }

    /** On the committer thread, after a sync. A failure only leaves readers behind: logged once. */
    void set(long seq) {
        buf.clear();
        buf.putLong(seq).putLong(~seq).flip();
        try {
            while (buf.hasRemaining()) {
                channel.write(buf, buf.position());
            }
        } catch (IOException e) {
            if (!warned) {
                warned = true;
                LOG.warnf("cannot update %s (follow shows only what it said last): %s", FILE, e.getMessage());
            }
        }
    }

    /** The mark of {@code root}, or empty when there is none (no writer yet, or one of an older version). */
    public static OptionalLong read(Path root) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16);
        try (FileChannel ch = FileChannel.open(root.resolve(FILE), StandardOpenOption.READ)) {
            for (int attempt = 0; attempt < 100; attempt++) {
                b.clear();
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // a short read is retried to the end of the 16 bytes
                }
                if (b.position() == 16 && b.getLong(0) == ~b.getLong(8)) {
                    return OptionalLong.of(b.getLong(0));
                }
                Thread.onSpinWait(); // read while it was being written
            }
            return OptionalLong.empty();
        } catch (NoSuchFileException none) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was promised by this file
        }
    }
}
