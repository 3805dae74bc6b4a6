package io.flywheel.ingest;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One budget of heap bytes shared by every input: framer buffers beyond their small start size, the head an oversize
 * line keeps for its reject record, and reject records while they are encoded. Without it each of a thousand
 * connections could hold a maximal line (a thousand times --max-line-bytes) and a stalled or hostile crowd would
 * exhaust the heap.
 *
 * <p>Three kinds of bytes, so that waiting can never deadlock:
 * <ul>
 *   <li>the start buffer of every input ({@link Account#base}) is always granted and not limited: an input must be able
 *       to read ordinary lines, and to see its client leave;</li>
 *   <li>growth for throughput (up to a few hundred KiB) comes from a small pool, a quarter of the budget, and is only
 *       taken when free ({@link Account#tryStream}) - nobody ever waits for it;</li>
 *   <li>a line that does not fit takes a whole long-line reservation at once ({@link Account#take}), enough to read
 *       any line up to the limit to its end, so that once granted it never waits again. Inputs that need one wait in
 *       arrival order and stop reading meanwhile (their client's writes block); those that hold one always get to the
 *       end of their line or of their input, and give it back.</li>
 * </ul>
 * Waiting inputs thus hold only their start buffer and their share of the small pool, and every holder can finish: a
 * crowd of clients that each start a huge line and stall gets only as many reservations as fit, the rest wait, and a
 * producer of ordinary lines is served all along. A wait ends early when the input is cancelled (its connection
 * closes or the server stops).
 */
public final class MemoryBudget {
    /** The start buffer every input has, whatever the budget says. */
    public static final int BASE_BYTES = 16 * 1024;

    private final long limit;
    private final long streamLimit;
    private final ReentrantLock lock = new ReentrantLock();
    /** Inputs waiting for a reservation, first come first served: each is woken only when its bytes are free. */
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>(); // guarded by lock
    private long reserved; // long-line reservations and transient charges, guarded by lock
    private long streaming; // throughput growth, guarded by lock
    private long base; // start buffers, guarded by lock
    private long waits; // guarded by lock

    private static final class Waiter {
        final Account account;
        final long bytes;
        final Condition granted;
        boolean done;

        Waiter(Account account, long bytes, Condition granted) {
            this.account = account;
            this.bytes = bytes;
            this.granted = granted;
        }
    }

    public MemoryBudget(long limit) {
        this.limit = limit;
        this.streamLimit = limit / 4;
    }

    /** No limit: for a single input in tests, where the budget would only get in the way. */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(Long.MAX_VALUE);
    }

    public long limit() {
        return limit;
    }

    /** Bytes held now, start buffers included. */
    public long used() {
        lock.lock();
        try {
            return reserved + streaming + base;
        } finally {
            lock.unlock();
        }
    }

    /** How often an input had to wait for a reservation: a sign that clients hold more than the budget. */
    public long waits() {
        lock.lock();
        try {
            return waits;
        } finally {
            lock.unlock();
        }
    }

    public Account account() {
        return new Account();
    }

    /** Thrown to a waiting input whose account was cancelled: it ends like at end of input. */
    public static final class Cancelled extends IOException {
        Cancelled() {
            super("stopped while waiting for ingest memory");
        }
    }

    private boolean fits(long bytes) {
        // a reservation larger than the long-line share still goes through alone
        return reserved + bytes <= limit - streamLimit || reserved == 0;
    }

    /** Hands freed bytes to the waiters in order, as far as they go. */
    private void grantWaiters() {
        Waiter w;
        while ((w = queue.peek()) != null && fits(w.bytes)) {
            queue.poll();
            reserved += w.bytes;
            w.account.reserved += w.bytes;
            w.done = true;
            w.granted.signal();
        }
    }

    /** What one input holds. Used by that input's thread; {@link #cancel} from any thread. */
    public final class Account implements AutoCloseable {
        private long reserved; // guarded by lock
        private long streaming; // guarded by lock
        private long base; // guarded by lock
        private Waiter waiter; // guarded by lock
        private volatile boolean cancelled;

        private Account() {
        }

        /** The start buffer: always granted. */
        public void base(long bytes) {
            lock.lock();
            try {
                MemoryBudget.this.base += bytes;
                base += bytes;
            } finally {
                lock.unlock();
            }
        }

        /**
         * Charges {@code bytes} at once, even beyond the limit, for something short-lived that must not wait (it may
         * run under the journal lock, which the inputs that would give bytes back need too). Give them back with
         * {@link #give}; until then reservations of others wait.
         */
        public void force(long bytes) {
            lock.lock();
            try {
                MemoryBudget.this.reserved += bytes;
                reserved += bytes;
            } finally {
                lock.unlock();
            }
        }

        /** Growth for throughput: taken only when free now; false (and nothing taken) otherwise. */
        public boolean tryStream(long bytes) {
            lock.lock();
            try {
                if (MemoryBudget.this.streaming + bytes > streamLimit) {
                    return false;
                }
                MemoryBudget.this.streaming += bytes;
                streaming += bytes;
                return true;
            } finally {
                lock.unlock();
            }
        }

        /** Gives back all throughput growth (a reservation now covers the buffer, or it shrank). */
        public void giveStream() {
            lock.lock();
            try {
                MemoryBudget.this.streaming -= streaming;
                streaming = 0;
            } finally {
                lock.unlock();
            }
        }

        /** Takes a reservation of {@code bytes}, waiting (first come first served) while it is not free. */
        public void take(long bytes) throws IOException, InterruptedException {
            lock.lock();
            try {
                if (queue.isEmpty() && fits(bytes)) {
                    MemoryBudget.this.reserved += bytes;
                    reserved += bytes;
                    return;
                }
                waits++;
                Waiter w = new Waiter(this, bytes, lock.newCondition());
                queue.add(w);
                waiter = w;
                try {
                    while (!w.done) {
                        if (cancelled) {
                            throw new Cancelled();
                        }
                        w.granted.await(1, TimeUnit.SECONDS);
                    }
                } finally {
                    waiter = null;
                    if (!w.done) {
                        queue.remove(w);
                        grantWaiters(); // it may have blocked those behind it
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        /** Gives back reserved or forced bytes. */
        public void give(long bytes) {
            lock.lock();
            try {
                long b = Math.min(bytes, reserved);
                MemoryBudget.this.reserved -= b;
                reserved -= b;
                grantWaiters();
            } finally {
                lock.unlock();
            }
        }

        /** Ends any wait of this input (its connection is closing). */
        public void cancel() {
            cancelled = true;
            lock.lock();
            try {
                Waiter w = waiter;
                if (w != null) {
                    w.granted.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        /** Gives back everything this input holds. */
        @Override
        public void close() {
            lock.lock();
            try {
                MemoryBudget.this.reserved -= reserved;
                MemoryBudget.this.streaming -= streaming;
                MemoryBudget.this.base -= base;
                reserved = 0;
                streaming = 0;
                base = 0;
                grantWaiters();
            } finally {
                lock.unlock();
            }
        }
    }
}
