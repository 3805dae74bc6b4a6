package io.flywheel.follow;

import io.flywheel.journal.Envelope;
import io.flywheel.journal.SegmentName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads a data directory's journal in sequence order from a given seq, across {@code shipped/}, sealed segments and
 * the open one, and keeps reading as the writer rolls. It only reads files.
 *
 * <p>Why it never skips: segments are identified by the first seq in their name, never by file name - while a
 * segment is sealed the same file is visible as {@code <name>.jsonl.open} and {@code <name>.jsonl} (a hard link) for
 * a second, and later moves to {@code shipped/}. The segment being read stays open by descriptor, so renames and
 * unlinks do not disturb it. A segment is left only after a later one was seen and the old one was read to its end
 * once more: the writer finishes a segment before it creates the next, so nothing can land in it after that.
 *
 * <p>Which segment comes next is not always the one a listing shows after it. A listing shows every file that
 * existed throughout it, but of two files created while it ran it may show the newer and miss the older: readdir
 * goes in hash order, not in creation order. Seqs run on from one segment to the next, so a listing that shows the
 * segment starting at {@link #nextSeq()} is right; when it shows a later one, a second listing decides. That one
 * started after the later segment existed, so it shows every segment created before (under one of its names: the
 * sealed name is added before the in-progress one goes, and {@code segments/} is listed before {@code shipped/}, so
 * a segment moved between them meanwhile shows in one or the other).
 *
 * <p>Why it never repeats: every delivered envelope advances {@link #nextSeq()}, and envelopes below it are skipped.
 */
public final class JournalCursor implements AutoCloseable {
    /** Gets each complete envelope line (without its line end), in seq order. */
    @FunctionalInterface
    public interface Visitor {
        void envelope(long seq, byte[] buf, int off, int len) throws IOException;
    }

    /** Told of seqs the cursor passed without delivering: no longer in the directory (shipped and removed). */
    @FunctionalInterface
    public interface Missing {
        void seqs(long from, long to) throws IOException;
    }

    private final Path root;
    private final Missing missing;
    private long next;
    private long currentFirstSeq = -1;
    private FileChannel current;
    private long position;
    private ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    private boolean above; // the last read stopped at an envelope above its bound

    public JournalCursor(Path root, long fromSeq) {
        this(root, fromSeq, (from, to) -> { });
    }

    public JournalCursor(Path root, long fromSeq, Missing missing) {
        this.root = root;
        this.missing = missing;
        this.next = Math.max(1, fromSeq);
    }

    /** The seq this cursor delivers next (or the first one after it, when the journal no longer holds it). */
    public long nextSeq() {
        return next;
    }

    /**
     * Delivers everything readable now, in order, and returns how many envelopes it delivered. Stops at the end of
     * the newest segment; call again to get what was written since.
     */
    public long poll(Visitor visitor) throws IOException {
        return poll(visitor, Long.MAX_VALUE);
    }

    /** As {@link #poll(Visitor)}, stopping before the first envelope above {@code maxSeq} (it is delivered later). */
    public long poll(Visitor visitor, long maxSeq) throws IOException {
        long delivered = 0;
        while (true) {
            if (current == null && !openNext(-1)) {
                return delivered;
            }
            delivered += readToEnd(visitor, maxSeq);
            if (next > maxSeq || above) {
                return delivered;
            }
            long following = firstSeqAfter(currentFirstSeq);
            if (following < 0) {
                return delivered;
            }
            // a later segment exists, so this one is finished: what was written before the roll is read now
            delivered += readToEnd(visitor, maxSeq);
            if (next > maxSeq || above) {
                return delivered;
            }
            if (following != next) {
                following = firstSeqAfter(currentFirstSeq); // a gap: the listing may have missed the segment between
            }
            closeCurrent();
            if (!openNext(following)) {
                return delivered;
            }
        }
    }

    private TreeMap<Long, List<Path>> list() throws IOException {
        return list(root);
    }

    /**
     * The segments a listing of a data directory shows, by first seq (a segment seen under two names or in two
     * places counts once). It may miss one created while it ran although it shows a newer one (see above).
     */
    static TreeMap<Long, List<Path>> list(Path root) throws IOException {
        TreeMap<Long, List<Path>> bySeq = new TreeMap<>();
        for (Path dir : List.of(root.resolve("segments"), root.resolve("shipped"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (n.endsWith(SegmentName.SEALED_SUFFIX) || n.endsWith(SegmentName.OPEN_SUFFIX)) {
                        SegmentName.parse(n).ifPresent(s -> bySeq.computeIfAbsent(s.firstSeq(), k -> new ArrayList<>()).add(p));
                    }
                }
            } catch (NoSuchFileException gone) {
                // shipped/ appears only with shipping
            }
        }
        return bySeq;
    }

    private long firstSeqAfter(long firstSeq) throws IOException {
        Long k = list().higherKey(firstSeq);
        return k == null ? -1 : k;
    }

    /**
     * Opens the segment starting at {@code firstSeq}, or (-1) the one that holds {@link #next}: the last one starting
     * at or before it, else the oldest still there.
     */
    private boolean openNext(long firstSeq) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            TreeMap<Long, List<Path>> segs = list();
            Long key = firstSeq >= 0 ? Long.valueOf(firstSeq) : segs.floorKey(next);
            if (key == null && !segs.isEmpty()) {
                // none at or before next: the oldest, from a listing that shows every segment older than this one's newest
                TreeMap<Long, List<Path>> settled = list();
                key = settled.floorKey(next);
                segs = settled;
                if (key == null && !settled.isEmpty()) {
                    key = settled.firstKey();
                }
            }
            if (key == null || !segs.containsKey(key)) {
                return false;
            }
            for (Path p : segs.get(key)) {
                try {
                    current = FileChannel.open(p, StandardOpenOption.READ);
                    currentFirstSeq = key;
                    position = 0;
                    buf.clear();
                    return true;
                } catch (NoSuchFileException renamed) {
                    // sealed, moved to shipped/ or removed between the listing and the open: list again
                }
            }
        }
        return false;
    }

    private long readToEnd(Visitor visitor, long maxSeq) throws IOException {
        long delivered = 0;
        while (true) {
            byte[] a = buf.array();
            int limit = buf.position();
            int start = 0;
            above = false;
            for (int i = 0; i < limit; i++) {
                if (a[i] == '\n') {
                    long seq = Envelope.readSeq(a, start, i - start);
                    if (seq > maxSeq) {
                        above = true; // left in the buffer for the next call
                        break;
                    }
                    if (seq >= next) {
                        if (seq > next) {
                            missing.seqs(next, seq - 1);
                        }
                        next = seq + 1;
                        visitor.envelope(seq, a, start, i - start);
                        delivered++;
                    }
                    start = i + 1;
                }
            }
            // an incomplete last line stays in the buffer until its end is written
            System.arraycopy(a, start, a, 0, limit - start);
            buf.position(limit - start);
            if (above || next > maxSeq) {
                return delivered;
            }
            if (!buf.hasRemaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(buf.capacity() * 2); // one line longer than the buffer
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            int n = current.read(buf, position);
            if (n <= 0) {
                return delivered;
            }
            position += n;
        }
    }

    private void closeCurrent() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
        buf.clear();
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
