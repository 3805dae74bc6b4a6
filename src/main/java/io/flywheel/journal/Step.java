package io.flywheel.journal;

import java.util.Locale;

/**
 * Every file operation the journal performs, named, so that a test can make exactly one of them fail or stall
 * ({@link Faults}) and so that {@link DiskErrorPolicy} can say, per step, whether a failure is retried or fatal; and
 * the two with which shipping takes a segment out of {@code segments/} ({@link SegmentRetention}), which fail only
 * that segment's shipment.
 */
public enum Step {
    /** Creating {@code segments/<name>.jsonl.open} (O_CREAT|O_EXCL). Retried. */
    SEGMENT_CREATE(false),
    /** Swapping {@code current.jsonl} to another segment (symlink to a temporary name, then rename). Retried. */
    LINK_CURRENT(false),
    /** Appending envelope lines to the open segment (positional write after the last whole line). Retried. */
    SEGMENT_WRITE(false),
    /** Cutting the open segment back to its last whole line after a failed write. Retried before any other write. */
    SEGMENT_TRUNCATE(false),
    /** fdatasync of the open segment. Fatal: after a failed fsync the kernel may have dropped the dirty pages. */
    SEGMENT_SYNC(true),
    /** Writing a fresh {@code seq.hwm.tmp.<random>} (O_EXCL, a new name each attempt) and renaming it over {@code seq.hwm}. Retried. */
    HIGH_WATER(false),
    /** fsync of that temporary file before the rename. Fatal, like every fsync. */
    HIGH_WATER_SYNC(true),
    /** Writing a fresh temporary file (SHA-256, length, count, first/last seq, part MD5s/CRC32Cs) and renaming it to {@code <segment>.jsonl.seal}. Retried. */
    SEAL_RECORD(false),
    /** fsync of the seal record before it is renamed. Fatal, like every fsync. */
    SEAL_RECORD_SYNC(true),
    /** Giving the segment its sealed name (a hard link beside the in-progress name). Retried. */
    SEAL_LINK(false),
    /** Removing the in-progress name once the sealed name and {@code current.jsonl} are in place. Retried. */
    SEAL_UNLINK(false),
    /** fsync of a directory after names changed in it. Fatal. */
    DIR_SYNC(true),
    /** Appending records to the reject log. Retried (cut back to the last whole record first). */
    REJECT_WRITE(false),
    /** fsync of the reject log. Fatal. */
    REJECT_SYNC(true),
    /**
     * Shipping's, not the journal's: taking a segment whose object is verified out of {@code segments/} (moved to
     * {@code shipped/}, or deleted with {@code --keep-shipped 0}). A failure fails that segment's shipment; the next
     * pass finds the object there and tries again.
     */
    SHIPPED_MOVE(false),
    /** Shipping's: moving (or deleting) that segment's seal record beside it. */
    SHIPPED_RECORD(false);

    private final boolean fatal;

    Step(boolean fatal) {
        this.fatal = fatal;
    }

    /** Whether a failure of this step ends the journal instead of being retried. */
    public boolean fatal() {
        return fatal;
    }

    /** The name used in messages and in {@code FLYWHEEL_FAULT}: {@code SEAL_LINK} is {@code seal-link}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Step ofLabel(String label) {
        for (Step s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown journal step '" + label + "'");
    }
}
