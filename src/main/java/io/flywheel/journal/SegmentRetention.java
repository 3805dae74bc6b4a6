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
    private final Duration keepShipped;

    public SegmentRetention(DataDir dir, Duration keepShipped) {
        this.dir = dir;
        this.keepShipped = keepShipped;
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
            Files.deleteIfExists(seg);
            Files.deleteIfExists(record);
        } else {
            Files.createDirectories(dir.shipped());
            Path target = dir.shipped().resolve(seg.getFileName());
            DataDir.move(seg, target);
            // keep-shipped counts from the moment of shipping
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            if (Files.exists(record)) {
                DataDir.move(record, SealRecord.pathFor(target));
            }
            DataDir.fsyncDirectory(dir.shipped());
        }
        DataDir.fsyncDirectory(dir.segments());
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
                        Files.deleteIfExists(p);
                        Files.deleteIfExists(SealRecord.pathFor(p));
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
