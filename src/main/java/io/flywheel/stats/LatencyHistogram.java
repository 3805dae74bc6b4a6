package io.flywheel.stats;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free latency histogram with logarithmic buckets (four per power of two, from 1 µs to about 70 s): cheap
 * enough for every fsync and every ack, precise enough (±10 %) for p50/p99/p999 and Prometheus buckets.
 */
public final class LatencyHistogram {
    private static final int SUB = 4;
    private static final int BUCKETS = 26 * SUB;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final LongAdder sumNanos = new LongAdder();
    private final LongAdder count = new LongAdder();

    public void recordNanos(long nanos) {
        counts.incrementAndGet(bucket(nanos));
        sumNanos.add(nanos);
        count.increment();
    }

    static int bucket(long nanos) {
        long us = Math.max(1, nanos / 1000);
        int log = 63 - Long.numberOfLeadingZeros(us);
        int frac = log >= 2 ? (int) ((us >>> (log - 2)) & 3) : (int) ((us << (2 - log)) & 3);
        return Math.min(BUCKETS - 1, log * SUB + frac);
    }

    /** The upper bound of a bucket, in nanoseconds. */
    static long upperNanos(int bucket) {
        int log = bucket / SUB;
        int frac = bucket % SUB;
        double us = Math.pow(2, log) * (1 + (frac + 1) / 4.0);
        return (long) (us * 1000);
    }

    public long count() {
        return count.sum();
    }

    public long sumNanos() {
        return sumNanos.sum();
    }

    /** The q-quantile (0..1) in nanoseconds, as the upper bound of its bucket; 0 when empty. */
    public long quantileNanos(double q) {
        long[] c = snapshot();
        long total = 0;
        for (long v : c) {
            total += v;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= rank) {
                return upperNanos(i);
            }
        }
        return upperNanos(c.length - 1);
    }

    /** Cumulative counts at the given upper bounds (seconds), for a Prometheus histogram. */
    public long[] cumulativeAt(double[] boundsSeconds) {
        long[] c = snapshot();
        long[] out = new long[boundsSeconds.length];
        for (int b = 0; b < boundsSeconds.length; b++) {
            long limit = (long) (boundsSeconds[b] * 1e9);
            long sum = 0;
            for (int i = 0; i < c.length; i++) {
                if (upperNanos(i) <= limit) {
                    sum += c[i];
                }
            }
            out[b] = sum;
        }
        return out;
    }

    private long[] snapshot() {
        long[] c = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }
}
