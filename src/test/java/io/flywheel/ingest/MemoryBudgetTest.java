package io.flywheel.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void aReservationWaitsUntilAnotherIsGivenBackInArrivalOrder() throws Exception {
        MemoryBudget budget = new MemoryBudget(4 << 20); // 3 MiB for reservations
        MemoryBudget.Account a = budget.account();
        MemoryBudget.Account b = budget.account();
        a.take(2 << 20);
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                b.take(2 << 20);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); budget.waits() == 0 && System.nanoTime() < deadline; ) {
            Thread.sleep(5); // until the other thread has started and is waiting
        }
        assertEquals(1, budget.waits());
        assertThrows(TimeoutException.class, () -> waiting.get(100, TimeUnit.MILLISECONDS), "it waits while a holds the bytes");
        a.close();
        waiting.get(5, TimeUnit.SECONDS);
        assertEquals(2 << 20, budget.used());
    }

    @Test
    void cancellingEndsTheWait() throws Exception {
        MemoryBudget budget = new MemoryBudget(4 << 20);
        budget.account().take(3 << 20);
        MemoryBudget.Account b = budget.account();
        CompletableFuture<Throwable> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                b.take(1 << 20);
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        Thread.sleep(100);
        b.cancel();
        assertTrue(waiting.get(5, TimeUnit.SECONDS) instanceof MemoryBudget.Cancelled);
    }

    @Test
    void throughputGrowthNeverWaitsAndStaysInItsQuarter() {
        MemoryBudget budget = new MemoryBudget(4 << 20);
        MemoryBudget.Account a = budget.account();
        assertTrue(a.tryStream(1 << 20));
        assertFalse(budget.account().tryStream(1));
        a.giveStream();
        assertTrue(budget.account().tryStream(1 << 20));
    }

    @Test
    void aStalledLongLineDoesNotKeepOthersFromReadingShortLines() throws Exception {
        // a budget that one long line fills: another input with short lines still frames them in its start buffer
        MemoryBudget budget = new MemoryBudget(16 << 20);
        MemoryBudget.Account hog = budget.account();
        hog.take(12 << 20);
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            in.append("{\"type\":\"x\",\"n\":").append(i).append("}\n");
        }
        long[] lines = {0};
        long n = new LineFramer(1 << 20, budget.account()).pump(new ByteArrayInputStream(in.toString().getBytes()),
                new LineFramer.Sink() {
                    @Override
                    public void line(byte[] buf, int off, int len, long lineNo, long offset) {
                        lines[0]++;
                    }

                    @Override
                    public void oversize(byte[] head, int headLen, long totalLen, long lineNo, long offset) {
                    }
                });
        assertEquals(10_000, n);
        assertEquals(10_000, lines[0]);
    }
}
