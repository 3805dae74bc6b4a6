package io.flywheel.follow;

import io.flywheel.event.Event;
import io.flywheel.event.EventParser;
import io.flywheel.journal.Envelope;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.SegmentName;
import io.flywheel.journal.SyncedMark;
import io.flywheel.journal.WriterLock;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * {@code flywheel follow}: prints the journal's events from a starting point, in seq order, each once, and with
 * {@code follow} keeps printing as they are written, across rolls, until stopped.
 */
public final class Follower {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * Where to start (at most one of fromSeq, since, last; none = the oldest event still there) and what to print.
     */
    public record Options(Path dir, long fromSeq, Instant since, long last, boolean follow, Set<String> types,
                          boolean envelope, long pollMillis) {
    }

    private final Options o;
    private final EventParser parser = new EventParser();
    private final byte[] sinceTs;
    private boolean pastSince;
    private DataDir data;

    public Follower(Options o) {
        this.o = o;
        this.sinceTs = o.since() == null ? null : TS.format(o.since()).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Prints until the end (or, following, until {@code stop} says so); returns how many events it printed. Seqs it
     * had to pass because they are no longer in the directory go to {@code notices}, except those before the oldest
     * event when neither {@code --from-seq} nor {@code -n} was given ("everything still there", or {@code --since}, whose
     * start is found among the events still there).
     */
    public long run(OutputStream out, Consumer<String> notices, BooleanSupplier stop) throws IOException, InterruptedException {
        long[] printed = new long[1];
        boolean startAsked = o.fromSeq() > 0 || o.last() > 0;
        long start = startSeq();
        JournalCursor.Missing missing = (from, to) -> {
            if (from > start || startAsked) {
                out.flush(); // after the events before the gap
                notices.accept("seqs " + from + "-" + to + " are no longer in " + o.dir() + " (shipped and removed, see --keep-shipped)");
            }
        };
        try (JournalCursor cursor = new JournalCursor(o.dir(), start, missing)) {
            while (true) {
                cursor.poll((seq, b, off, len) -> {
                    if (print(b, off, len, out)) {
                        printed[0]++;
                    }
                }, keptUpTo());
                out.flush();
                if (!o.follow() || stop.getAsBoolean()) {
                    return printed[0];
                }
                Thread.sleep(o.pollMillis());
            }
        }
    }

    /**
     * How far the files are known to be kept: while a writer runs, what it last fsynced (a line written but not yet
     * synced could still be taken back by a power cut or a disk given up on, and its seq given to another event);
     * with no writer, everything in the files (recovery keeps every whole line).
     */
    private long keptUpTo() throws IOException {
        if (data == null) {
            data = DataDir.readOnly(o.dir());
        }
        if (!WriterLock.isHeld(data)) {
            return Long.MAX_VALUE;
        }
        return SyncedMark.read(o.dir()).orElse(Long.MAX_VALUE); // a writer of an older version writes no mark
    }

    private boolean print(byte[] b, int off, int len, OutputStream out) throws IOException {
        if (sinceTs != null && !pastSince) {
            // receive times follow seq order closely enough: once one is at or after TIME, everything after prints
            String ts = Envelope.readTimestamp(b, off, len);
            if (ts == null || ts.compareTo(new String(sinceTs, StandardCharsets.US_ASCII)) < 0) {
                return false;
            }
            pastSince = true;
        }
        int ev = EnvelopeLine.eventStart(b, off, len);
        if (ev < 0) {
            return false;
        }
        if (!o.types().isEmpty()) {
            String type = parser.parse(b, ev, off + len - 1 - ev);
            if (type == null || !o.types().contains(type)) {
                return false;
            }
        }
        if (o.envelope()) {
            out.write(b, off, len);
        } else {
            out.write(b, ev, off + len - 1 - ev);
        }
        out.write('\n');
        return true;
    }

    private long startSeq() throws IOException {
        if (o.fromSeq() > 0) {
            return o.fromSeq();
        }
        if (o.since() != null) {
            return segmentAtOrBefore(o.since());
        }
        if (o.last() > 0) {
            long last = lastSeq();
            return last < 0 ? 1 : Math.max(1, last - o.last() + 1);
        }
        return 1;
    }

    /** The first seq of the newest segment that started at or before {@code t} (events before it are older). */
    private long segmentAtOrBefore(Instant t) throws IOException {
        long best = 1;
        for (var e : segments().entrySet()) {
            if (!e.getValue().firstEventTime().isAfter(t)) {
                best = e.getKey();
            }
        }
        return best;
    }

    /** The highest seq now in the journal: the last complete line of the newest segment that has one. */
    private long lastSeq() throws IOException {
        long[] last = {-1};
        long from = Long.MAX_VALUE;
        for (Long first : segments().descendingKeySet()) {
            try (JournalCursor c = new JournalCursor(o.dir(), first)) {
                c.poll((seq, b, off, len) -> last[0] = seq);
            }
            if (last[0] >= 0) {
                return last[0];
            }
            from = first;
        }
        return from == Long.MAX_VALUE ? -1 : last[0];
    }

    private TreeMap<Long, SegmentName> segments() throws IOException {
        TreeMap<Long, SegmentName> out = new TreeMap<>();
        for (var e : JournalCursor.list(o.dir()).entrySet()) {
            SegmentName.parse(e.getValue().get(0).getFileName().toString()).ifPresent(s -> out.put(e.getKey(), s));
        }
        return out;
    }

    /** A journal envelope as a live event (for a tap that replays before going live); null when not an envelope. */
    public static Event toEvent(EventParser parser, long seq, byte[] b, int off, int len) {
        int ev = EnvelopeLine.eventStart(b, off, len);
        if (ev < 0) {
            return null;
        }
        int evLen = off + len - 1 - ev;
        String type = parser.parse(b, ev, evLen);
        if (type == null) {
            return null;
        }
        String ts = Envelope.readTimestamp(b, off, len);
        long millis = ts == null ? 0 : Instant.parse(ts).toEpochMilli();
        byte[] raw = java.util.Arrays.copyOfRange(b, ev, ev + evLen);
        return new Event(type, true, seq, EnvelopeLine.source(b, off, len), millis, raw);
    }
}
