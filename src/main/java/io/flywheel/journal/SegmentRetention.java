package io.flywheel.journal;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The data directory's side of shipping: which sealed segments wait in {@code segments/}, and what happens to one
 * once its object is verified - moved to {@code shipped/} with its seal record (or deleted), after the high-water
 * mark covers it - and how long {@code shipped/} keeps it.
 */
public final class SegmentRetention {
    private static final Logger LOG = Logger.getLogger(SegmentRetention.class);

    private final DataDir dir;
    private final Faults faults;
    private final Duration keepShipped;

    public SegmentRetention(DataDir dir, Duration keepShipped) {
        this(dir, keepShipped, Faults.NONE);
    }

    /** @param faults the seam of end-to-end tests ({@link Step#SHIPPED_MOVE}, {@link Step#SHIPPED_RECORD}) */
    public SegmentRetention(DataDir dir, Duration keepShipped, Faults faults) {
        this.dir = dir;
        this.keepShipped = keepShipped;
        this.faults = faults;
    }

    /** Sealed segments ready to ship in {@code segments/}, oldest first. */
    public static List<Path> waiting(DataDir dir) throws IOException {
        return waiting(dir, false);
    }

    private static List<Path> waiting(DataDir dir, boolean withUnfinished) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.segments(), "*" + SegmentName.SEALED_SUFFIX)) {
            for (Path p : ds) {
                // an in-progress twin means the seal is not finished (or a crash interrupted it): not shippable yet
                if (Files.isRegularFile(p) && (withUnfinished || !Files.exists(p.resolveSibling(p.getFileName() + ".open")))) {
                    out.add(p);
                }
            }
        }
        out.sort(SegmentName.FILE_ORDER);
        return out;
    }

    /** The summed size of the sealed segments not shipped yet, those whose seal is finishing included (for --max-backlog and metrics). */
    public static long waitingBytes(DataDir dir) throws IOException {
        long sum = 0;
        for (Path p : waiting(dir, true)) {
            try {
                sum += Files.size(p);
            } catch (NoSuchFileException gone) {
                // shipped meanwhile
            }
        }
        return sum;
    }

    /**
     * A segment whose object is verified leaves {@code segments/}. Serialised: parallel shippers would otherwise race
     * on the mark's temporary file.
     */
    public synchronized void shipped(Path seg, long lastSeq) throws IOException {
        // numbering must never restart below a segment that leaves the directory
        HighWaterMark.raiseDurably(dir, lastSeq);
        Path record = SealRecord.pathFor(seg);
        if (keepShipped.isZero()) {
            // the record first: a segment left without it is shipped again by reading it (found there, verified);
            // a record left without its segment would stay in segments/ for good
            faults.before(Step.SHIPPED_RECORD);
            Files.deleteIfExists(record);
            faults.before(Step.SHIPPED_MOVE);
            Files.deleteIfExists(seg);
        } else {
            Files.createDirectories(dir.shipped());
            Path target = dir.shipped().resolve(seg.getFileName());
            faults.before(Step.SHIPPED_MOVE);
            DataDir.move(seg, target);
            // keep-shipped counts from the moment of shipping
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            if (Files.exists(record)) {
                // a record left behind here by a crash is moved by the next pass (finishInterruptedMoves)
                faults.before(Step.SHIPPED_RECORD);
                DataDir.move(record, SealRecord.pathFor(target));
            }
            DataDir.fsyncDirectory(dir.shipped());
        }
        DataDir.fsyncDirectory(dir.segments());
    }

    /**
     * Finishes the moves a killed pass left half done: a seal record still in {@code segments/} whose segment is
     * already in {@code shipped/} goes there too, so that the shipped copy stays checkable ({@code flywheel verify})
     * and nothing stays behind in {@code segments/}. A record is only orphaned if its in-progress twin is gone too:
     * the journal writes a record while the {@code .open} name exists and removes that name after the sealed one is
     * in place, so the twin is looked at first.
     */
    public synchronized void finishInterruptedMoves() throws IOException {
        List<Path> moved = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.segments(), "*" + SegmentName.SEALED_SUFFIX + SealRecord.SUFFIX)) {
            for (Path record : ds) {
                String name = record.getFileName().toString();
                String segment = name.substring(0, name.length() - SealRecord.SUFFIX.length());
                Path shipped = dir.shipped().resolve(segment);
                if (Files.exists(record.resolveSibling(segment + ".open")) || Files.exists(record.resolveSibling(segment))
                        || !Files.isRegularFile(shipped)) {
                    continue;
                }
                Path target = SealRecord.pathFor(shipped);
                if (Files.exists(target)) {
                    Files.delete(record);
                } else {
                    DataDir.move(record, target);
                }
                moved.add(record);
            }
        }
        if (!moved.isEmpty()) {
            LOG.infof("moved %d seal record(s) left in segments/ by an interrupted pass beside their shipped segments: %s",
                    moved.size(), moved);
            DataDir.fsyncDirectory(dir.shipped());
            DataDir.fsyncDirectory(dir.segments());
        }
    }

    /** Deletes shipped segments (and their records) older than keep-shipped. Never fails the caller. */
    public void prune() {
        Path shippedDir = dir.shipped();
        if (!Files.isDirectory(shippedDir)) {
            return;
        }
        Instant cutoff = Instant.now().minus(keepShipped);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(shippedDir, "*" + SegmentName.SEALED_SUFFIX)) {
            for (Path p : ds) {
                try {
                    if (keepShipped.isZero() || Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                        // the record first: a record without its segment would never be pruned
                        Files.deleteIfExists(SealRecord.pathFor(p));
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot prune " + p + ": " + e);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list " + shippedDir + ": " + e);
        }
    }
}
