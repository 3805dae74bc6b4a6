package io.flywheel.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Start-up recovery, after Kafka's log recovery: every segment a crash left in progress is scanned, the valid prefix
 * (complete envelope lines with increasing sequence numbers) is sealed, and anything after it - a torn last line, or
 * garbage the kernel never synced - is cut off and kept in {@code rejected/}. Numbering resumes after the highest
 * sequence found in segments, shipped segments and the high-water file.
 */
public final class Recovery {
    private Recovery() {
    }

    /** Returns the next sequence number to assign. */
    static long recover(DataDir dir, RecoveryListener listener) throws IOException {
        long max = readHighWater(dir);
        List<Path> open = new ArrayList<>();
        for (Path p : list(dir.segments())) {
            String name = p.getFileName().toString();
            if (SegmentName.isOpenFile(name)) {
                open.add(p);
            } else if (name.endsWith(SegmentName.SEALED_SUFFIX)) {
                max = Math.max(max, SegmentReader.lastSeq(p));
            }
        }
        for (Path p : list(dir.shipped())) {
            if (p.getFileName().toString().endsWith(SegmentName.SEALED_SUFFIX)) {
                max = Math.max(max, SegmentReader.lastSeq(p));
            }
        }
        open.sort(null);
        for (Path p : open) {
            max = Math.max(max, recoverOpenSegment(dir, p, listener));
        }
        if (!open.isEmpty()) {
            DataDir.fsyncDirectory(dir.segments());
            writeHighWater(dir, max);
        }
        return max + 1;
    }

    private static long recoverOpenSegment(DataDir dir, Path file, RecoveryListener listener) throws IOException {
        long total = Files.size(file);
        long[] last = {-1};
        String[] reason = {null};
        SegmentReader.Result r = SegmentReader.scan(file, (buf, off, len, at, lineNo) -> {
            String problem = EnvelopeCheck.problem(buf, off, len);
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
        }
        String base = file.getFileName().toString();
        base = base.substring(0, base.length() - SegmentName.OPEN_SUFFIX.length());
        if (r.validEnd() == 0) {
            Files.delete(file);
            return last[0];
        }
        Path sealed = file.resolveSibling(base + SegmentName.SEALED_SUFFIX);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        DataDir.move(file, sealed);
        listener.recovered(sealed, r.lines());
        return last[0];
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

    public static long readHighWater(DataDir dir) throws IOException {
        Path p = dir.seqHighWater();
        if (!Files.exists(p)) {
            return 0;
        }
        String s = Files.readString(p, StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0; // a torn high-water file: the segments themselves still say how far numbering went
        }
    }

    static void writeHighWater(DataDir dir, long seq) throws IOException {
        if (seq < readHighWater(dir)) {
            return;
        }
        DataDir.writeAtomically(dir.root(), dir.seqHighWater(), (seq + "\n").getBytes(StandardCharsets.US_ASCII));
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
