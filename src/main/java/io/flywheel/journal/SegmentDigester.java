package io.flywheel.journal;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Hashes what the committer wrote (SHA-256, line count, part MD5s: the seal record) on a thread of its own, so that
 * the hashing runs while the committer waits for fdatasync instead of before it. The committer hands over each
 * written range in order and waits for the hashing to finish before the batch's buffer is reused
 * ({@link #awaitAll}); a seal record is only taken once its segment has been hashed to the end.
 */
final class SegmentDigester implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("flywheel-digest").unstarted(r));
    /** The last range handed over; ranges are hashed in order, so when it is done all are. */
    private Future<?> last;

    /** Hashes {@code data[off, off + len)} into {@code hasher}; the caller keeps the bytes unchanged until {@link #awaitAll}. */
    void submit(SealRecord.Hasher hasher, byte[] data, int off, int len) {
        last = thread.submit(() -> hasher.update(data, off, len));
    }

    /** Waits until every range handed over has been hashed. */
    void awaitAll() {
        Future<?> f = last;
        if (f == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the bytes must not be reused while the hasher reads them
                } catch (ExecutionException e) {
                    throw new IllegalStateException("hashing a segment failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        last = null;
    }

    @Override
    public void close() {
        thread.shutdown();
    }
}
