package io.flywheel.journal;

import io.flywheel.stats.LatencyHistogram;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The durable write-ahead journal with group commit, after BookKeeper's journal: producers encode envelopes into
 * the pending batch under a short lock; one committer thread swaps the batch out, writes it with one call and one
 * fdatasync, then publishes the batch's ticket as synced. Everything that arrived while the previous sync ran goes
 * into the next one, so the cost of a sync is shared by every event in it.
 *
 * <p>An event counts as kept only once {@link #syncedTicket()} reaches the ticket {@link #append} returned.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Journal.class);
    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final DataDir dir;
    private final JournalConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition hasWork = lock.newCondition();
    private final Condition hasRoom = lock.newCondition();
    private final Object syncMonitor = new Object();
    private final TimestampCache timestamps = new TimestampCache();
    private final List<Runnable> syncListeners = new CopyOnWriteArrayList<>();
    private final Thread committer;

    // guarded by lock
    private PendingBatch filling = new PendingBatch();
    private PendingBatch spare = new PendingBatch();
    private final SequenceText nextSeq;
    private long fillingTicket = 1;
    private boolean closing;
    private volatile JournalFailedException failure;
    private volatile String intakePaused;

    // committer thread only
    private ActiveSegment active;
    private FileChannel rejectLog;

    private volatile long syncedTicket;
    private volatile long activeBytes;
    private volatile long lastSyncedSeq;
    private volatile String diskTrouble;
    /** Committer heartbeat: System.nanoTime() of its last loop turn or finished write (for a watchdog). */
    private volatile long lastProgressNanos = System.nanoTime();
    /** Set while the committer writes a batch it has taken. */
    private volatile boolean writing;
    private final AtomicLong keptEvents = new AtomicLong();
    private final AtomicLong keptBytes = new AtomicLong();
    private final AtomicLong rejectsKept = new AtomicLong();
    private final AtomicLong segmentsSealed = new AtomicLong();
    private final LatencyHistogram syncLatency = new LatencyHistogram();

    private Journal(DataDir dir, JournalConfig config, long nextSeq) {
        this.dir = dir;
        this.config = config;
        this.nextSeq = new SequenceText(nextSeq);
        this.lastSyncedSeq = nextSeq - 1;
        this.committer = new Thread(this::commitLoop, "flywheel-journal");
        this.committer.setDaemon(true);
    }

    /** Recovers what a crash left behind, then starts the committer. The caller holds the directory's writer lock. */
    public static Journal open(DataDir dir, JournalConfig config, RecoveryListener listener) throws IOException {
        long next = Recovery.recover(dir, listener);
        Journal j = new Journal(dir, config, next);
        j.committer.start();
        return j;
    }

    /**
     * Accepts one durable event: assigns the next sequence number and queues its envelope for the next group commit.
     * Blocks while the pending batch is full (the journal cannot keep up) - that is the backpressure producers see.
     *
     * @param sourceJson the source as a JSON string literal, quotes included
     * @return the ticket to wait for with {@link #syncedTicket()}
     * @throws JournalFailedException when the journal has given up on the disk
     */
    public long append(byte[] sourceJson, long receivedAtMillis, byte[] event, int off, int len) throws InterruptedException {
        int need = Envelope.maxSize(sourceJson.length, len);
        lock.lockInterruptibly();
        try {
            awaitRoom(need, true);
            PendingBatch b = filling;
            b.ensure(need);
            long seq = nextSeq.value();
            b.size = Envelope.encode(b.data, b.size, nextSeq, timestamps.format(receivedAtMillis), sourceJson, event, off, len);
            nextSeq.increment();
            if (b.isEmptyOfEvents()) {
                b.firstSeq = seq;
                hasWork.signal();
            }
            b.events++;
            b.lastSeq = seq;
            return fillingTicket;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Holds the journal's lock across many appends (it is reentrant): an input handing over a block of lines pays
     * for one contended acquire and release instead of one per event. Close it to let the committer swap again.
     */
    public Hold hold() {
        lock.lock();
        return lock::unlock;
    }

    /** A held journal lock; closing releases it. */
    public interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /** Queues a reject record (one JSONL line) for {@code rejected/}; it is fsynced with the next group commit. */
    public long reject(byte[] record) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            awaitRoom(record.length, false);
            if (filling.isEmpty()) {
                hasWork.signal();
            }
            filling.addReject(record);
            return fillingTicket;
        } finally {
            lock.unlock();
        }
    }

    private void awaitRoom(int need, boolean durable) throws InterruptedException {
        while (true) {
            if (failure != null) {
                throw failure;
            }
            if (closing) {
                throw new JournalClosedException();
            }
            if (durable && intakePaused != null) {
                hasRoom.await();
                continue;
            }
            if (filling.isEmpty() || filling.size + filling.rejectSize + need <= config.maxPendingBytes()) {
                return;
            }
            hasRoom.await();
        }
    }

    /**
     * Holds durable appends (they block, as under backpressure) until {@link #resumeIntake()}: for a bounded
     * backlog, durable input waits rather than being dropped. Rejects still go through.
     */
    public void pauseIntake(String reason) {
        lock.lock();
        try {
            intakePaused = reason;
        } finally {
            lock.unlock();
        }
    }

    public void resumeIntake() {
        lock.lock();
        try {
            intakePaused = null;
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Why durable intake is paused, or null. */
    public String intakePaused() {
        return intakePaused;
    }

    /** Bytes in the segment being written (0 when none is open). */
    public long activeBytes() {
        return activeBytes;
    }

    /** The highest ticket whose events are fsynced. */
    public long syncedTicket() {
        return syncedTicket;
    }

    /** Waits until {@code ticket} is synced; false on timeout. Throws when the journal failed before that. */
    public boolean awaitSynced(long ticket, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (syncMonitor) {
            while (syncedTicket < ticket) {
                if (failure != null) {
                    throw failure;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(syncMonitor, left);
            }
        }
        return true;
    }

    /** Runs on the committer thread after every group commit (and on failure); must be quick and never block. */
    public void onSync(Runnable listener) {
        syncListeners.add(listener);
    }

    private void commitLoop() {
        try {
            while (true) {
                PendingBatch batch;
                long ticket;
                lastProgressNanos = System.nanoTime();
                lock.lock();
                try {
                    while (filling.isEmpty() && !closing) {
                        long wait = nanosUntilTimedRoll();
                        if (wait <= 0) {
                            break;
                        }
                        hasWork.awaitNanos(wait);
                    }
                    if (filling.isEmpty()) {
                        batch = null;
                        ticket = 0;
                    } else {
                        batch = filling;
                        filling = spare;
                        spare = null;
                        ticket = fillingTicket++;
                        writing = true;
                        hasRoom.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
                if (batch != null) {
                    long t0 = System.nanoTime();
                    writeWithRetry(batch);
                    syncLatency.recordNanos(System.nanoTime() - t0);
                    keptEvents.addAndGet(batch.events);
                    keptBytes.addAndGet(batch.size);
                    rejectsKept.addAndGet(batch.rejectCount);
                    if (batch.events > 0) {
                        lastSyncedSeq = batch.lastSeq;
                    }
                    publish(ticket);
                    writing = false;
                    lastProgressNanos = System.nanoTime();
                    batch.clear();
                    lock.lock();
                    try {
                        spare = batch;
                    } finally {
                        lock.unlock();
                    }
                }
                rollIfDue();
                lock.lock();
                try {
                    if (closing && filling.isEmpty()) {
                        break;
                    }
                } finally {
                    lock.unlock();
                }
            }
            if (active != null) {
                seal();
            }
            closeRejectLog();
        } catch (JournalFailedException e) {
            fail(e);
        } catch (IOException e) {
            fail(new JournalFailedException("journal failed: " + describe(e), e));
        } catch (InterruptedException e) {
            fail(new JournalFailedException("journal interrupted", e));
        } catch (RuntimeException | Error e) {
            fail(new JournalFailedException("journal failed: " + e, e));
        }
    }

    private void publish(long ticket) {
        synchronized (syncMonitor) {
            syncedTicket = ticket;
            syncMonitor.notifyAll();
        }
        for (Runnable l : syncListeners) {
            l.run();
        }
    }

    private void fail(JournalFailedException e) {
        LOG.error(e.getMessage());
        lock.lock();
        try {
            failure = e;
            hasRoom.signalAll();
        } finally {
            lock.unlock();
        }
        synchronized (syncMonitor) {
            syncMonitor.notifyAll();
        }
        for (Runnable l : syncListeners) {
            l.run();
        }
    }

    /**
     * Writes a batch, retrying failed writes (ENOSPC, EIO) with backoff for up to {@code diskRetry}. Meanwhile the
     * pending batch fills and producers block: durable input stops being accepted rather than lost. A failed fsync
     * is not retried: after it the kernel may have dropped the dirty pages, so nothing can be promised any more.
     */
    private void writeWithRetry(PendingBatch batch) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + config.diskRetry().toNanos();
        long backoffMs = 50;
        while (true) {
            try {
                writeBatch(batch);
                break;
            } catch (SyncFailedException e) {
                throw new JournalFailedException("fsync failed in " + dir.segments() + ": " + describe(e.getCause())
                        + "; events since the last good sync may be lost", e.getCause());
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new JournalFailedException("cannot write to " + dir.root() + " (" + describe(e) + ") for "
                            + config.diskRetry().toSeconds() + "s; giving up", e);
                }
                if (diskTrouble == null) {
                    LOG.errorf("cannot write to %s (%s): durable ingest paused, retrying for up to %ds",
                            dir.root(), describe(e), config.diskRetry().toSeconds());
                }
                diskTrouble = describe(e);
                lastProgressNanos = System.nanoTime();
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 2000);
            }
        }
        if (diskTrouble != null) {
            LOG.infof("writing to %s again; durable ingest resumed", dir.root());
            diskTrouble = null;
        }
    }

    private void writeBatch(PendingBatch b) throws IOException {
        if (b.rejectSize > 0 && !b.rejectsWritten) {
            FileChannel log = rejectLog();
            long before = log.size();
            try {
                ByteBuffer buf = ByteBuffer.wrap(b.rejects, 0, b.rejectSize);
                while (buf.hasRemaining()) {
                    log.write(buf);
                }
            } catch (IOException e) {
                log.truncate(before);
                throw e;
            }
            b.rejectsWritten = true;
        }
        while (b.written < b.size) {
            if (active == null) {
                active = openSegment(b.data, b.written, b.size - b.written);
            }
            int end = b.size;
            long room = config.rollBytes() - active.size;
            if (end - b.written > room) {
                int cut = lastLineEnd(b.data, b.written, (int) Math.min(end, b.written + Math.max(room, 0)));
                if (cut > b.written) {
                    end = cut;
                } else if (active.size > 0) {
                    seal();
                    continue;
                } else {
                    end = nextLineEnd(b.data, b.written, b.size); // one line larger than a whole segment
                }
            }
            active.write(b.data, b.written, end - b.written);
            activeBytes = active.size;
            int last = lineStart(b.data, b.written, end);
            active.lastSeq = Envelope.readSeq(b.data, last, end - last);
            b.written = end;
            if (active.size >= config.rollBytes()) {
                seal();
            }
        }
        try {
            if (active != null) {
                active.sync();
            }
            if (b.rejectSize > 0) {
                rejectLog.force(false);
            }
        } catch (IOException e) {
            throw new SyncFailedException(e);
        }
    }

    /** Marks an fsync failure, which {@link #writeWithRetry} must not retry. */
    private static final class SyncFailedException extends IOException {
        SyncFailedException(IOException cause) {
            super(cause);
        }
    }

    private ActiveSegment openSegment(byte[] data, int off, int len) throws IOException {
        long seq = Envelope.readSeq(data, off, len);
        String ts = Envelope.readTimestamp(data, off, len);
        SegmentName name = new SegmentName(Instant.parse(ts), dir.instance(), seq);
        ActiveSegment s = ActiveSegment.create(dir, name);
        pointCurrentAt(s.openPath);
        return s;
    }

    /** Seals the active segment: fsync, atomic rename to its final name, fsync the directory. */
    private void seal() throws IOException {
        ActiveSegment s = active;
        active = null;
        activeBytes = 0;
        try {
            s.sync();
        } catch (IOException e) {
            throw new SyncFailedException(e);
        }
        s.channel.close();
        if (s.size == 0) {
            Files.deleteIfExists(s.openPath);
            DataDir.fsyncDirectory(dir.segments());
            return;
        }
        Path sealed = s.sealedPath(dir);
        DataDir.move(s.openPath, sealed);
        DataDir.fsyncDirectory(dir.segments());
        // keep current.jsonl on the same inode, so that tail -F sees nothing change until the next segment opens
        pointCurrentAt(sealed);
        Recovery.writeHighWater(dir, s.lastSeq);
        segmentsSealed.incrementAndGet();
        LOG.debugf("sealed %s (%d events, %d bytes)", sealed.getFileName(), s.lastSeq - s.name.firstSeq() + 1, s.size);
    }

    private void pointCurrentAt(Path segment) throws IOException {
        Path link = dir.current();
        Path tmp = link.resolveSibling(link.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, dir.root().relativize(segment));
        DataDir.move(tmp, link);
    }

    private void rollIfDue() throws IOException {
        if (active == null) {
            return;
        }
        long now = System.nanoTime();
        if (now - active.openedAtNanos >= config.rollAge().toNanos()
                || now - active.lastWriteNanos >= config.rollIdle().toNanos()) {
            seal();
        }
    }

    private long nanosUntilTimedRoll() {
        if (active == null) {
            return TimeUnit.SECONDS.toNanos(1);
        }
        long now = System.nanoTime();
        long age = active.openedAtNanos + config.rollAge().toNanos() - now;
        long idle = active.lastWriteNanos + config.rollIdle().toNanos() - now;
        return Math.min(age, idle);
    }

    private FileChannel rejectLog() throws IOException {
        if (rejectLog == null) {
            String name = FILE_TIME.format(Instant.now()) + "-" + dir.instance() + ".jsonl";
            rejectLog = FileChannel.open(dir.rejected().resolve(name), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            DataDir.fsyncDirectory(dir.rejected());
        }
        return rejectLog;
    }

    private void closeRejectLog() throws IOException {
        if (rejectLog != null) {
            rejectLog.force(false);
            rejectLog.close();
            rejectLog = null;
        }
    }

    static int lastLineEnd(byte[] d, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return from;
    }

    static int nextLineEnd(byte[] d, int from, int to) {
        for (int i = from; i < to; i++) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return to;
    }

    private static int lineStart(byte[] d, int from, int end) {
        for (int i = end - 2; i >= from; i--) {
            if (d[i] == '\n') {
                return i + 1;
            }
        }
        return from;
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            m = fse.getReason() + " (" + fse.getFile() + ")";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Drains what was accepted, syncs, seals the active segment and stops. Throws if that could not be done. */
    @Override
    public void close() throws InterruptedException {
        lock.lock();
        try {
            closing = true;
            hasWork.signal();
        } finally {
            lock.unlock();
        }
        committer.join();
        if (failure != null) {
            throw failure;
        }
    }

    /** System.nanoTime() of the committer's last sign of life (a loop turn or a finished group commit). */
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    /**
     * How long accepted data has been waiting without the committer making progress, in nanoseconds: 0 when idle
     * (nothing pending) or when the committer cycled recently. A watchdog treats a large value as a wedged journal.
     */
    public long stalledNanos() {
        boolean pending = writing;
        if (!pending) {
            lock.lock();
            try {
                pending = !filling.isEmpty();
            } finally {
                lock.unlock();
            }
        }
        return pending ? Math.max(0, System.nanoTime() - lastProgressNanos) : 0;
    }

    public JournalFailedException failure() {
        return failure;
    }

    /** Set while writes fail and are being retried (durable ingest is paused); null when healthy. */
    public String diskTrouble() {
        return diskTrouble;
    }

    public long keptEvents() {
        return keptEvents.get();
    }

    public long keptBytes() {
        return keptBytes.get();
    }

    public long rejectsKept() {
        return rejectsKept.get();
    }

    public long segmentsSealed() {
        return segmentsSealed.get();
    }

    public long lastSyncedSeq() {
        return lastSyncedSeq;
    }

    public LatencyHistogram syncLatency() {
        return syncLatency;
    }

    public DataDir dir() {
        return dir;
    }

    /** For the source of envelope lines: a JSON string literal. */
    public static byte[] sourceJson(String source) {
        StringBuilder sb = new StringBuilder(source.length() + 2).append('"');
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }
}
