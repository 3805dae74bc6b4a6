package io.flywheel.journal;

import java.time.Duration;

/**
 * How the journal rolls and how hard it tries when the disk is in trouble.
 *
 * @param rollBytes       seal a segment once it holds this many bytes
 * @param rollAge         seal a segment this long after it was opened
 * @param rollIdle        seal a segment when nothing was written to it for this long
 * @param maxPendingBytes bytes accepted but not yet written before producers wait (bounds memory)
 * @param diskRetry       how long to keep retrying a failed write (ENOSPC, EIO) before giving up
 * @param maxRejectedBytes bound of all reject files in {@code rejected/} together; the oldest go first
 * @param md5PartSize     the part size whose MD5s (and CRC32Cs) seal records carry once the directory has been
 *                        shipped (the shipper's {@code --part-size}), so that shipping need not read each segment
 *                        before sending it; 0 for none
 */
public record JournalConfig(long rollBytes, Duration rollAge, Duration rollIdle, int maxPendingBytes, Duration diskRetry,
                            long maxRejectedBytes, long md5PartSize) {
    public static final long DEFAULT_ROLL_BYTES = 64L << 20;
    public static final long DEFAULT_MAX_REJECTED_BYTES = 256L << 20;
    /** The shipper's default part size. */
    public static final long DEFAULT_MD5_PART_SIZE = 128L << 20;

    public JournalConfig(long rollBytes, Duration rollAge, Duration rollIdle, int maxPendingBytes, Duration diskRetry,
                         long maxRejectedBytes) {
        this(rollBytes, rollAge, rollIdle, maxPendingBytes, diskRetry, maxRejectedBytes, DEFAULT_MD5_PART_SIZE);
    }

    public JournalConfig(long rollBytes, Duration rollAge, Duration rollIdle, int maxPendingBytes, Duration diskRetry) {
        this(rollBytes, rollAge, rollIdle, maxPendingBytes, diskRetry, DEFAULT_MAX_REJECTED_BYTES, DEFAULT_MD5_PART_SIZE);
    }

    public static JournalConfig defaults() {
        return new JournalConfig(DEFAULT_ROLL_BYTES, Duration.ofMinutes(5), Duration.ofSeconds(30), 8 << 20,
                Duration.ofSeconds(60), DEFAULT_MAX_REJECTED_BYTES, DEFAULT_MD5_PART_SIZE);
    }

    public JournalConfig withMd5PartSize(long partSize) {
        return new JournalConfig(rollBytes, rollAge, rollIdle, maxPendingBytes, diskRetry, maxRejectedBytes, partSize);
    }
}
