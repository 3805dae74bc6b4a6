package io.flywheel.config;

/**
 * How much heap ingest may hold for its inputs. The default follows the heap the JVM was given, so that a
 * memory-capped unit ({@code -Xmx256m}) gets a budget it can actually afford: a quarter of the heap, the rest being
 * the journal's pending batches, the tap windows, and the runtime itself.
 */
public final class MemoryLimits {
    /** Never less: below this a single maximal line plus its reject record would not fit. */
    public static final long MIN_BUDGET = 16L << 20;
    /** Never more by default: beyond this a bigger budget only lets hostile clients hold more. */
    public static final long MAX_DEFAULT_BUDGET = 512L << 20;

    private MemoryLimits() {
    }

    /** The default ingest budget for a heap of {@code maxHeap} bytes (64 MiB for a 256 MiB heap). */
    public static long defaultBudget(long maxHeap) {
        return Math.max(MIN_BUDGET, Math.min(MAX_DEFAULT_BUDGET, maxHeap / 4));
    }

    public static long defaultBudget() {
        return defaultBudget(Runtime.getRuntime().maxMemory());
    }

    /**
     * What one tap's ring may hold in event bytes. Events are shared by all rings, and every ring holds a recent
     * suffix of the same stream, so all taps together hold about as much as the largest ring.
     */
    public static long tapBytes(long budget) {
        return budget / 8;
    }
}
