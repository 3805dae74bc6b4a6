package io.flywheel.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The rolling segments of a journal, after Kafka's log: appends whole envelope lines to the open segment, rolls it
 * by size, age or idleness, and seals it with {@link SegmentSealer}. Runs on the committer thread only.
 *
 * <p>Every method may fail at any {@link Step} and be called again: the state ({@link ActiveSegment} flags, the
 * batch's written mark) records how far it got, so a retry resumes instead of repeating or skipping a step.
 */
final class SegmentLog {
    private static final Logger LOG = Logger.getLogger(SegmentLog.class);

    private final DataDir dir;
    private final JournalConfig config;
    private final JournalFiles files;
    private final SegmentSealer sealer;
    private final SegmentDigester digester = new SegmentDigester();
    /** How long a sealed segment keeps its in-progress name beside the sealed one (see {@link SegmentSealer}). */
    static final long RETIRE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    private ActiveSegment active;
    private java.nio.file.Path lastSealed;
    /** Sealed segments whose in-progress names are still there, oldest first. */
    private final java.util.ArrayDeque<Retiring> retiring = new java.util.ArrayDeque<>();

    private record Retiring(java.nio.file.Path openPath, long atNanos) {
    }
    private volatile long activeBytes;
    private volatile long sealedCount;

    SegmentLog(DataDir dir, JournalConfig config, JournalFiles files) {
        this.dir = dir;
        this.config = config;
        this.files = files;
        this.sealer = new SegmentSealer(dir, files);
    }

    /** Writes the batch's envelope lines from {@code b.written} on, rolling at line boundaries; resumable. */
    void append(PendingBatch b) throws IOException {
        while (b.written < b.size) {
            if (active != null && active.sealing) {
                seal();
                continue;
            }
            if (active == null) {
                active = create(b.data, b.written, b.size - b.written);
            }
            if (!active.linked) {
                sealer.link(active.openPath);
                active.linked = true;
            }
            int end = b.size;
            long room = config.rollBytes() - active.size;
            if (end - b.written > room) {
                int cut = lastLineEnd(b.data, b.written, (int) Math.min(end, b.written + Math.max(room, 0)));
                if (cut > b.written) {
                    end = cut;
                } else if (active.size > 0) {
                    active.sealing = true;
                    continue;
                } else {
                    end = nextLineEnd(b.data, b.written, b.size); // one line larger than a whole segment
                }
            }
            active.write(files, b.data, b.written, end - b.written);
            activeBytes = active.size;
            int last = lineStart(b.data, b.written, end);
            active.lastSeq = Envelope.readSeq(b.data, last, end - last);
            b.written = end;
            if (active.size >= config.rollBytes()) {
                active.sealing = true;
            }
        }
    }

    /**
     * Waits until what was appended has been hashed for its seal record: before the caller reuses the bytes it
     * passed to {@link #append}.
     */
    void awaitHashed() {
        digester.awaitAll();
    }

    /** Stops the hashing thread, once nothing more is appended. */
    void closeDigester() {
        digester.close();
    }

    /** Makes what was appended durable: fdatasync of the open segment (fatal when it fails). */
    void sync() throws IOException {
        if (active != null) {
            active.cutTornTail(files);
            active.sync(files);
        }
    }

    /** Whether the open segment must be sealed now: full, or too old, or idle too long. */
    boolean sealDue() {
        if (active == null) {
            return false;
        }
        return active.sealing || untilRoll(System.nanoTime()) <= 0;
    }

    /** Whether a sealed segment's in-progress name is due to go. */
    boolean retireDue() {
        Retiring first = retiring.peekFirst();
        return first != null && System.nanoTime() - first.atNanos() >= 0;
    }

    /** Removes the in-progress names that are due (all of them when {@code all}), making those segments shippable; resumable. */
    void retire(boolean all) throws IOException {
        while (!retiring.isEmpty() && (all || System.nanoTime() - retiring.peekFirst().atNanos() >= 0)) {
            sealer.retire(retiring.peekFirst().openPath());
            retiring.removeFirst();
        }
    }

    /** How long until the open segment is due to roll by age or idleness, or a sealed one to retire (at most a second). */
    long nanosUntilTimedRoll() {
        long now = System.nanoTime();
        Retiring first = retiring.peekFirst();
        long retire = first == null ? TimeUnit.SECONDS.toNanos(1) : first.atNanos() - now;
        if (active == null) {
            return retire;
        }
        return Math.min(retire, untilRoll(now));
    }

    private long untilRoll(long now) {
        long age = active.openedAtNanos + config.rollAge().toNanos() - now;
        long idle = active.lastWriteNanos + config.rollIdle().toNanos() - now;
        return Math.min(age, idle);
    }

    /**
     * Seals the open segment: cut a torn tail, fsync, then {@link SegmentSealer}. The segment stays active until
     * every step has succeeded, so a failed step is retried by calling this again.
     */
    void seal() throws IOException {
        ActiveSegment s = active;
        if (s == null) {
            return;
        }
        s.sealing = true;
        s.cutTornTail(files);
        s.sync(files);
        if (s.size == 0) {
            sealer.discardEmpty(s.openPath, lastSealed);
        } else {
            sealer.seal(s.openPath, s.sealedPath, s.sealRecord());
            retiring.addLast(new Retiring(s.openPath, System.nanoTime() + RETIRE_AFTER_NANOS));
            lastSealed = s.sealedPath;
            sealedCount++;
            LOG.debugf("sealed %s (%d events, %d bytes)", s.sealedPath.getFileName(), s.lastSeq - s.name.firstSeq() + 1, s.size);
        }
        active = null;
        activeBytes = 0;
        try {
            s.channel.close();
        } catch (IOException e) {
            LOG.debugf("closing sealed %s: %s", s.sealedPath.getFileName(), e.getMessage()); // synced already
        }
    }

    /**
     * Creates the in-progress file named after the batch's first line and makes its name durable before anything
     * in it can be acknowledged. Active from the moment the file exists, so that a failed later step is retried on
     * this file instead of creating it again.
     */
    private ActiveSegment create(byte[] data, int off, int len) throws IOException {
        long seq = Envelope.readSeq(data, off, len);
        String ts = Envelope.readTimestamp(data, off, len);
        SegmentName name = new SegmentName(Instant.parse(ts), dir.instance(), seq);
        ActiveSegment s = new ActiveSegment(name, dir.segments(), files.createSegment(dir.segments().resolve(name.openFileName())),
                digester, md5PartSize(dir, config));
        active = s;
        files.syncDirectory(dir.segments());
        return s;
    }

    /**
     * The part size of the MD5s a seal record made now carries (for a new segment, or one sealed by recovery): none
     * (0) until a ship pass has run on this directory, so that a journal nobody ships does not pay for hashing it every byte a second time.
     */
    static long md5PartSize(DataDir dir, JournalConfig config) {
        return config.md5PartSize() > 0 && Files.exists(dir.shipState()) ? config.md5PartSize() : 0;
    }

    boolean hasActive() {
        return active != null;
    }

    long activeBytes() {
        return activeBytes;
    }

    long sealedCount() {
        return sealedCount;
    }

    static int lastLineEnd(byte[] d, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return from;
    }

    static int nextLineEnd(byte[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return to;
    }

    private static int lineStart(byte[] d, int from, int end) {
        for (int i = end - 2; i >= from; i--) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return from;
    }
}
