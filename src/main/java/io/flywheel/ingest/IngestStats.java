package io.flywheel.ingest;

import io.flywheel.stats.LatencyHistogram;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by every input (stdin, socket connections). */
public final class IngestStats {
    public final LongAdder received = new LongAdder();
    public final LongAdder durable = new LongAdder();
    public final LongAdder ephemeral = new LongAdder();
    public final LongAdder rejected = new LongAdder();
    public final LongAdder bytes = new LongAdder();
    /** Socket acks: per ack written, how long its oldest line waited since it was read. */
    public final LatencyHistogram ackLatency = new LatencyHistogram();
}
