package io.flywheel.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code DIR/seq.hwm}: the highest sequence number ever given to a sealed segment. Segments are shipped and deleted,
 * so this file is what keeps numbering from restarting below them. It is raised <em>before</em> a segment gets the
 * name that makes it shippable (by the journal when sealing, by recovery, and by the shipper before it deletes), so
 * no segment can leave the directory while the mark is below its last sequence.
 */
public final class HighWaterMark {
    private HighWaterMark() {
    }

    /**
     * The recorded mark, or 0 when there is none. The file is only ever replaced atomically, so content that is not
     * a number means it was damaged or edited: that is an error, because guessing low would reuse sequence numbers.
     */
    public static long read(DataDir dir) throws IOException {
        return read(dir.seqHighWater());
    }

    static long read(Path p) throws IOException {
        String s;
        try {
            s = Files.readString(p, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw Recovery.naming(p, e);
        }
        try {
            long v = Long.parseLong(s);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException(p + " does not hold a sequence number ('" + abbreviate(s) + "'); it records the highest "
                + "sequence ever sealed, so that numbers are never reused after shipped segments are deleted. Put the "
                + "last seq of the newest segment ever shipped in it (see the bucket), then start again");
    }

    /** Raises the mark to {@code seq} (never lowers it) through the journal's file operations; the caller syncs the directory. */
    static void raise(JournalFiles files, DataDir dir, long seq) throws IOException {
        if (seq > read(dir)) {
            files.replaceFile(dir.seqHighWater(), ".tmp", (seq + "\n").getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** For the shipper: raises the mark before a segment whose last sequence is {@code seq} leaves the directory. */
    public static void raiseDurably(DataDir dir, long seq) throws IOException {
        if (seq > read(dir)) {
            // its own temporary name: the journal of a running writer may be replacing the file at the same moment
            // (only for segments sealed before the journal raised the mark itself, so the two never race to lower it)
            JournalFiles files = new JournalFiles(Faults.NONE);
            files.replaceFile(dir.seqHighWater(), ".ship.tmp", (seq + "\n").getBytes(StandardCharsets.US_ASCII));
            files.syncDirectory(dir.root());
        }
    }

    private static String abbreviate(String s) {
        String one = s.replaceAll("\\s+", " ");
        return one.length() > 40 ? one.substring(0, 40) + "..." : one;
    }
}
