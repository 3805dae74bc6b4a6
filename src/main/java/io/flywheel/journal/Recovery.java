package io.flywheel.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Start-up recovery, after Kafka's log recovery: every segment a crash left in progress is scanned, the valid prefix
 * (complete envelope lines, valid by {@link EnvelopeCheck} - the same rule ingest applies - with increasing sequence
 * numbers) is sealed, and anything after it - a torn last line, or garbage the kernel never synced - is cut off and
 * kept in {@code rejected/}. Numbering resumes after the highest sequence found in segments, shipped segments and
 * the high-water mark, and the mark is raised before any recovered segment becomes shippable.
 */
public final class Recovery {
    private Recovery() {
    }

    /** A segment left in progress, scanned: its valid prefix ends at {@code validEnd}, its last sequence is {@code lastSeq}. */
    private record Scanned(Path open, Path sealed, long validEnd, long lines, long lastSeq) {
    }

    /** Returns the next sequence number to assign. */
    static long recover(DataDir dir, RecoveryListener listener, JournalFiles files, long md5PartSize) throws IOException {
        long max = HighWaterMark.read(dir);
        List<Path> open = new ArrayList<>();
        for (Path p : list(dir.segments())) {
            String name = p.getFileName().toString();
            if (SegmentName.isOpenFile(name)) {
                open.add(p);
            } else if (name.endsWith(SegmentName.SEALED_SUFFIX)) {
                max = Math.max(max, lastSeq(p));
            }
        }
        for (Path p : list(dir.shipped())) {
            if (p.getFileName().toString().endsWith(SegmentName.SEALED_SUFFIX)) {
                max = Math.max(max, lastSeq(p));
            }
        }
        SegmentSealer sealer = new SegmentSealer(dir, files);
        List<Scanned> scanned = new ArrayList<>();
        for (Path p : open) {
            Path sealed = p.resolveSibling(sealedName(p));
            if (finishInterruptedSeal(dir, sealer, p, sealed, md5PartSize)) {
                continue;
            }
            Scanned s;
            try {
                s = scan(dir, p, sealed, listener);
            } catch (IOException e) {
                throw naming(p, e);
            }
            max = Math.max(max, s.lastSeq());
            scanned.add(s);
        }
        if (!scanned.isEmpty()) {
            // first the mark, then the names that make the segments shippable (see SegmentSealer)
            HighWaterMark.raise(files, dir, max);
            files.syncDirectory(dir.root());
            for (Scanned s : scanned) {
                if (s.validEnd() == 0) {
                    sealer.discardEmpty(s.open(), null);
                } else {
                    // read back after the cut: recovery has no running hash, and only the kept prefix counts
                    sealer.seal(s.open(), s.sealed(), SealRecord.compute(s.open(), md5PartSize));
                    sealer.retire(s.open());
                    listener.recovered(s.sealed(), s.lines());
                }
            }
        }
        return max + 1;
    }

    private static long lastSeq(Path p) throws IOException {
        try {
            return SegmentReader.lastSeq(p);
        } catch (IOException e) {
            throw naming(p, e);
        }
    }

    /**
     * A read error (EIO from a failing disk) comes without a file name; at start, with many segments to read, the
     * operator needs to know which one.
     */
    static IOException naming(Path p, IOException e) {
        if ((e instanceof java.nio.file.FileSystemException f && f.getFile() != null) || e instanceof StepFailedException
                || String.valueOf(e.getMessage()).contains(p.toString())) {
            return e;
        }
        return new IOException(p + ": " + StepFailedException.describe(e), e);
    }

    /**
     * A crash between giving a segment its sealed name and removing the in-progress one leaves both names on one
     * file: the seal's steps are run again (each finds its work done or redoes it whole) and the in-progress name
     * goes. A twin already in {@code shipped/} (this version ships no segment whose in-progress name is still there)
     * is linked back into {@code segments/}, and the next pass finds its object already shipped.
     */
    private static boolean finishInterruptedSeal(DataDir dir, SegmentSealer sealer, Path open, Path sealed,
                                                 long md5PartSize) throws IOException {
        Path twin = Files.exists(sealed) ? sealed : dir.shipped().resolve(sealed.getFileName());
        if (!Files.exists(twin)) {
            return false;
        }
        if (!Files.isSameFile(twin, open)) {
            throw new IOException(open + " and " + twin + " are different files with the same segment name; "
                    + "move one of them out of the data directory after checking which holds the events");
        }
        // a sealed name implies a record, except from versions that wrote none: then it is computed now
        SealRecord record = Files.exists(sealed) ? SealRecord.read(sealed).orElse(null) : null;
        sealer.seal(open, sealed, record != null ? record : SealRecord.compute(twin, md5PartSize)); // steps already done find their work done
        sealer.retire(open);
        return true;
    }

    private static Scanned scan(DataDir dir, Path file, Path sealed, RecoveryListener listener) throws IOException {
        long total = Files.size(file);
        long[] last = {-1};
        String[] reason = {null};
        EnvelopeCheck check = new EnvelopeCheck();
        SegmentReader.Result r = SegmentReader.scan(file, (buf, off, len, at, lineNo) -> {
            String problem = check.problem(buf, off, len);
            long seq = Envelope.readSeq(buf, off, len);
            if (problem == null && seq <= last[0]) {
                problem = "sequence " + seq + " does not increase (previous " + last[0] + ")";
            }
            if (problem != null) {
                reason[0] = "line " + lineNo + ": " + problem;
                return false;
            }
            last[0] = seq;
            if (lineNo % 100_000 == 0) {
                listener.progress(file, at, total);
            }
            return true;
        });
        if (r.hasTornTail()) {
            String why = reason[0] != null ? reason[0] : "last line has no line end (torn write)";
            Path kept = keepTail(dir, file, r.validEnd(), total);
            listener.tornTail(file, r.validEnd(), total - r.validEnd(), why, kept);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(r.validEnd());
                ch.force(true);
            }
        } else {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        return new Scanned(file, sealed, r.validEnd(), r.lines(), last[0]);
    }

    private static String sealedName(Path open) {
        String base = open.getFileName().toString();
        return base.substring(0, base.length() - SegmentName.OPEN_SUFFIX.length()) + SegmentName.SEALED_SUFFIX;
    }

    /** Copies the bytes cut off a segment to {@code rejected/<segment>.torn-<offset>} (fsynced) before truncating. */
    private static Path keepTail(DataDir dir, Path file, long from, long to) throws IOException {
        Path kept = dir.rejected().resolve(file.getFileName() + ".torn-" + from);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(kept, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = from;
            while (pos < to) {
                pos += in.transferTo(pos, to - pos, out);
            }
            out.force(true);
        }
        DataDir.fsyncDirectory(dir.rejected());
        return kept;
    }

    public static List<Path> list(Path d) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(d)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            for (Path p : s) {
                out.add(p);
            }
        }
        out.sort(null);
        return out;
    }
}
