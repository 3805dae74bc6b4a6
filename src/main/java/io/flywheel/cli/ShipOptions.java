package io.flywheel.cli;

import io.flywheel.config.ByteSize;
import io.flywheel.config.Durations;
import io.flywheel.ship.Compression;
import io.flywheel.ship.KeyFormat;
import io.flywheel.ship.ShipConfig;
import picocli.CommandLine.Option;

/** The shipping options shared by {@code flywheel ship} and {@code flywheel run --ship-every}. */
public class ShipOptions {
    @Option(names = "--bucket", defaultValue = "flywheel", paramLabel = "NAME", description = "Bucket (default: ${DEFAULT-VALUE}).")
    String bucket;

    @Option(names = "--prefix", defaultValue = "", paramLabel = "PREFIX", description = "Key prefix (default: none, keys start at the year).")
    String prefix;

    @Option(names = "--compress", defaultValue = "none", paramLabel = "none|gzip",
            converter = ChoiceConverters.CompressionChoice.class, completionCandidates = ChoiceConverters.CompressionChoice.class,
            description = "Store segments gzip-compressed (key suffix .gz). Default: ${DEFAULT-VALUE}.")
    String compress;

    @Option(names = "--keep-shipped", defaultValue = "7d", paramLabel = "DURATION", converter = DurationConverter.Text.class,
            description = "Shipped segments are moved to DIR/shipped/ and deleted once older than this (checked on "
                    + "every pass; age counts from shipping); 0 deletes them right after a verified upload. Default: ${DEFAULT-VALUE}.")
    String keepShipped;

    @Option(names = "--retries", defaultValue = "5", paramLabel = "N",
            description = "Retries of a failing request (exponential backoff from 200ms, capped at 10s, full jitter) "
                    + "before the pass gives up and keeps the backlog. Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--create-bucket", description = "Create the bucket when it does not exist.")
    boolean createBucket;

    @Option(names = "--part-size", defaultValue = "128MiB", paramLabel = "SIZE", converter = SizeConverter.Text.class,
            description = "Segments up to this size go as one conditional PUT, larger ones multipart in parts of this "
                    + "size (5MiB..5GiB). Default: ${DEFAULT-VALUE} (a 64 MiB segment is one PUT).")
    String partSize;

    @Option(names = "--key-format", defaultValue = "default", paramLabel = "default|hive|TEMPLATE",
            description = "Object keys. default: {prefix}/{yyyy}/{MM}/{dd}/{host}/{segment}; hive: "
                    + "{prefix}/dt={yyyy}-{MM}-{dd}/hour={HH}/host={host}/{segment} (partitions for Spark, Trino, "
                    + "DuckDB, Athena); or a template of {prefix} {host} {instance} {segment} {first_seq} {yyyy} {MM} "
                    + "{dd} {HH} (UTC time of the first event) that names {segment}, or {instance} and {first_seq}.")
    String keyFormat;

    @Option(names = "--parallel", paramLabel = "N",
            description = "Segments uploaded at once (default: 2..4 by CPU count).")
    Integer parallel;

    /** @throws IllegalArgumentException on a malformed value, with a message for the user */
    public ShipConfig toConfig() {
        ShipConfig d = ShipConfig.defaults();
        return new ShipConfig(bucket, prefix, Compression.parse(compress), retries, d.retryBase(), d.retryCap(),
                Durations.parse(keepShipped), createBucket, ByteSize.parse(partSize), KeyFormat.parse(keyFormat),
                parallel == null ? ShipConfig.defaultParallel() : parallel);
    }
}
