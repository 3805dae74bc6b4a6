package io.flywheel.ship;

import java.time.Duration;

/**
 * What a {@link Shipper} does. {@code keepShipped}: shipped segments are moved to {@code DIR/shipped/} and deleted
 * once they have been there longer than this (checked on every pass); {@link Duration#ZERO} deletes them right away.
 */
public record ShipConfig(String bucket, String prefix, Compression compression, int retries, Duration retryBase,
                         Duration retryCap, Duration keepShipped, boolean createBucket, long partSize) {

    public static final long MIN_PART_SIZE = 5L << 20;

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
    }

    public static ShipConfig defaults() {
        return new ShipConfig("flywheel", "", Compression.NONE, 5, Duration.ofMillis(200), Duration.ofSeconds(10),
                Duration.ofDays(7), false, 16L << 20);
    }

    public ShipConfig withBucket(String b) {
        return new ShipConfig(b, prefix, compression, retries, retryBase, retryCap, keepShipped, createBucket, partSize);
    }

    public ShipConfig withCreateBucket(boolean c) {
        return new ShipConfig(bucket, prefix, compression, retries, retryBase, retryCap, keepShipped, c, partSize);
    }

}
