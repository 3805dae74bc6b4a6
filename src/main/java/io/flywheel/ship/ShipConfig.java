package io.flywheel.ship;

import io.flywheel.journal.JournalConfig;

import java.time.Duration;

/**
 * What a {@link Shipper} does. {@code keepShipped}: shipped segments are moved to {@code DIR/shipped/} and deleted
 * once they have been there longer than this (checked on every pass); {@link Duration#ZERO} deletes them right away.
 * {@code parallel}: segments uploaded at once.
 */
public record ShipConfig(String bucket, String prefix, Compression compression, int retries, Duration retryBase,
                         Duration retryCap, Duration keepShipped, boolean createBucket, long partSize,
                         KeyFormat keyFormat, int parallel) {

    public static final long MIN_PART_SIZE = 5L << 20;

    /** Two segments at once keep both the disk read and the network busy; more rarely helps a sidecar's link. */
    public static int defaultParallel() {
        return Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    public ShipConfig {
        if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            throw new IllegalArgumentException("invalid bucket name '" + bucket + "' (3-63 of a-z 0-9 . -)");
        }
        prefix = ObjectKeys.normalizePrefix(prefix);
        if (retries < 0) {
            throw new IllegalArgumentException("--retries must be >= 0");
        }
        if (keepShipped.isNegative()) {
            throw new IllegalArgumentException("--keep-shipped must not be negative");
        }
        if (partSize < MIN_PART_SIZE || partSize > (5L << 30)) {
            throw new IllegalArgumentException("part size must be between 5 MiB and 5 GiB");
        }
        if (parallel < 1 || parallel > 64) {
            throw new IllegalArgumentException("--parallel must be between 1 and 64");
        }
        if (keyFormat == null) {
            keyFormat = KeyFormat.parse("default");
        }
    }

    public static ShipConfig defaults() {
        return new ShipConfig("flywheel", "", Compression.NONE, 5, Duration.ofMillis(200), Duration.ofSeconds(10),
                Duration.ofDays(7), false, JournalConfig.DEFAULT_MD5_PART_SIZE, KeyFormat.parse("default"), defaultParallel());
    }

    public ShipConfig withBucket(String b) {
        return new ShipConfig(b, prefix, compression, retries, retryBase, retryCap, keepShipped, createBucket, partSize,
                keyFormat, parallel);
    }

    public ShipConfig withCreateBucket(boolean c) {
        return new ShipConfig(bucket, prefix, compression, retries, retryBase, retryCap, keepShipped, c, partSize,
                keyFormat, parallel);
    }
}
