package io.flywheel.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives a complete, synced segment its sealed name - the name that makes it shippable - in steps that can each be
 * retried and that keep three promises at every instant, crash or not:
 * <ol>
 *   <li>the high-water mark covers the segment before it becomes shippable (so deleting it after shipping can never
 *       let numbering restart below it);</li>
 *   <li>a shippable segment has its {@link SealRecord}: it is written (content synced, then renamed) before the
 *       sealed name appears, so a crash leaves a record without a sealed name, not the reverse;</li>
 *   <li>{@code current.jsonl} names an existing file: the sealed name is added as a hard link, the symlink is
 *       swapped to it, and only later ({@link #retire}) is the in-progress name removed. Later, because a reader
 *       resolving the link reads the old target and then looks it up: removing the old name at once would let that
 *       lookup miss although the link never named a missing file.</li>
 * </ol>
 * While both names exist the shipper skips the segment; a crash in that window leaves both names on one file, and
 * recovery removes the in-progress one.
 */
final class SegmentSealer {
    private final DataDir dir;
    private final JournalFiles files;

    SegmentSealer(DataDir dir, JournalFiles files) {
        this.dir = dir;
        this.files = files;
    }

    /**
     * Seals {@code open} (already synced) as {@code sealed}, whose content {@code record} describes; the segment
     * becomes shippable once {@link #retire} has removed the in-progress name.
     */
    void seal(Path open, Path sealed, SealRecord record) throws IOException {
        HighWaterMark.raise(files, dir, record.lastSeq());
        files.syncDirectory(dir.root());
        files.writeSealRecord(sealed, record);
        // no directory sync between record and link: retire's sync makes both names durable before the segment is
        // shippable, and a crash before it leaves the .open twin, from which recovery completes the seal (and writes
        // a missing record)
        files.hardLink(sealed, open);
        if (pointsAt(open)) {
            files.swapSymlink(dir.current(), dir.root().relativize(sealed));
        }
    }

    /** Removes a sealed segment's in-progress name and makes the sealed name durable: now it is shippable. */
    void retire(Path open) throws IOException {
        files.unlink(open);
        files.syncDirectory(dir.segments());
    }

    /** Removes an in-progress file that holds no line, without leaving {@code current.jsonl} on it. */
    void discardEmpty(Path open, Path previous) throws IOException {
        if (pointsAt(open)) {
            if (previous != null && Files.exists(previous)) {
                files.swapSymlink(dir.current(), dir.root().relativize(previous));
            } else {
                files.deleteSymlink(dir.current());
            }
        }
        files.unlink(open);
        files.syncDirectory(dir.segments());
    }

    /** Points {@code current.jsonl} at a new segment. */
    void link(Path segment) throws IOException {
        files.swapSymlink(dir.current(), dir.root().relativize(segment));
    }

    private boolean pointsAt(Path file) {
        try {
            Path target = Files.readSymbolicLink(dir.current());
            return dir.root().resolve(target).normalize().equals(file.normalize());
        } catch (IOException notALink) {
            return false;
        }
    }
}
