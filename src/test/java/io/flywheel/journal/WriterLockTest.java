package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's own process asking about its lock must not lose it (closing any descriptor of run.lock would). */
class WriterLockTest {
    @TempDir
    Path tmp;

    @Test
    void askingFromTheHoldingProcessKeepsTheLock() throws Exception {
        DataDir dir = DataDir.open(tmp, "host-a");
        Optional<WriterLock> lock = WriterLock.tryAcquire(dir);
        assertTrue(lock.isPresent());
        try (WriterLock held = lock.get()) {
            assertTrue(lockedForOthers(dir), "held right after acquiring");
            assertTrue(WriterLock.isHeld(dir));
            assertEquals(Long.toString(ProcessHandle.current().pid()), WriterLock.holder(dir));
            assertTrue(lockedForOthers(dir), "still held after isHeld and holder");
            assertTrue(WriterLock.tryAcquire(dir).isEmpty(), "one writer per directory, also within one process");
            assertTrue(lockedForOthers(dir), "still held after a second tryAcquire");
        }
        assertTrue(!lockedForOthers(dir), "released on close");
        assertTrue(!WriterLock.isHeld(dir));
    }

    /**
     * Two opens of one directory at once in one process (an embedder): exactly one writer, the other refused without
     * an error, and the lock still held for other processes afterwards (a second descriptor on run.lock, closed, would
     * have dropped it).
     */
    @Test
    void twoAcquiresAtOnceInOneProcessGiveOneWriterAndKeepTheLock() throws Exception {
        for (int round = 0; round < 50; round++) {
            DataDir dir = DataDir.open(tmp.resolve("r" + round), "host-a");
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.Callable<Optional<WriterLock>> acquire = () -> {
                start.await();
                return WriterLock.tryAcquire(dir);
            };
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
                var a = pool.submit(acquire);
                var b = pool.submit(acquire);
                Optional<WriterLock> la = a.get(10, TimeUnit.SECONDS);
                Optional<WriterLock> lb = b.get(10, TimeUnit.SECONDS);
                assertEquals(1, (la.isPresent() ? 1 : 0) + (lb.isPresent() ? 1 : 0), "round " + round + ": one writer");
                System.gc(); // a lost second channel would be closed by now, dropping the lock
                if (round % 10 == 0) {
                    assertTrue(lockedForOthers(dir), "round " + round + ": still held for other processes");
                }
                la.orElseGet(() -> lb.get()).close();
            }
        }
    }

    /** Whether another process is refused a shared POSIX lock on run.lock (python's lockf is fcntl, as Java's lock). */
    private static boolean lockedForOthers(DataDir dir) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", """
                import fcntl, sys
                with open(sys.argv[1], 'rb') as f:
                    try:
                        fcntl.lockf(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    except OSError:
                        sys.exit(3)
                """, dir.writerLock().toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.exitValue() == 0 || p.exitValue() == 3, out);
        return p.exitValue() == 3;
    }
}
