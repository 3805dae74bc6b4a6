package io.flywheel.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.event.Event;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BroadcasterTest {

    private static Event event(int i) {
        return new Event("text_chunk", false, 0, "test", 0, ("{\"i\":" + i + "}").getBytes());
    }

    @Test
    void aStalledSubscriberLosesTheOldestAndIsToldExactlyHowMany() throws Exception {
        Broadcaster b = new Broadcaster();
        List<Signal> got = new CopyOnWriteArrayList<>();
        Flow.Subscription[] sub = new Flow.Subscription[1];
        CountDownLatch done = new CountDownLatch(1);
        b.live(new LiveOptions("t", e -> true, 8 * LiveSubscription.cost(event(99_999)), false)).subscribe().withSubscriber(new MultiSubscriber<Signal>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                sub[0] = s; // no demand yet: the subscriber is stalled
            }

            @Override
            public void onItem(Signal item) {
                got.add(item);
            }

            @Override
            public void onFailure(Throwable failure) {
            }

            @Override
            public void onCompletion() {
                done.countDown();
            }
        });
        for (int i = 0; i < 100_000; i++) {
            b.publish(event(i)); // would hang here if a stalled subscriber could block the publisher
        }
        b.close();
        sub[0].request(Long.MAX_VALUE);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(new Signal.Lagged(100_000 - 8), got.get(0));
        assertEquals(9, got.size());
        for (int k = 0; k < 8; k++) {
            Event e = ((Signal.Delivered) got.get(k + 1)).event();
            assertEquals("{\"i\":" + (100_000 - 8 + k) + "}", e.text(), "keeps the newest, in order");
        }
        assertEquals(100_000 - 8, b.droppedTotal());
    }

    @Test
    void aFastSubscriberGetsEverythingInOrder() throws Exception {
        Broadcaster b = new Broadcaster();
        List<Signal> got = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        b.live(new LiveOptions("t", e -> true, 1L << 30, false)).subscribe().with(got::add, f -> { }, done::countDown);
        for (int i = 0; i < 50_000; i++) {
            b.publish(event(i));
        }
        b.close();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(50_000, got.size());
        assertEquals("{\"i\":49999}", ((Signal.Delivered) got.get(49_999)).event().text());
    }

    private static Event big(int i, int size, long seq) {
        byte[] raw = new byte[size];
        java.util.Arrays.fill(raw, (byte) 'x');
        byte[] head = ("{\"i\":" + i + ",\"p\":\"").getBytes();
        System.arraycopy(head, 0, raw, 0, head.length);
        raw[size - 2] = '"';
        raw[size - 1] = '}';
        return new Event("text_chunk", seq > 0, seq, "test", 0, raw);
    }

    /** A stalled subscriber's buffer is bounded by bytes, not by a count of events whatever their size. */
    @Test
    void aStalledSubscriberHoldsAtMostItsBytesWhateverTheEventSize() throws Exception {
        Broadcaster b = new Broadcaster();
        long bound = 1L << 20;
        Flow.Subscription[] sub = new Flow.Subscription[1];
        List<Signal> got = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        b.subscribe(new LiveOptions("stalled", e -> true, bound, false), new Flow.Subscriber<Signal>() {
            public void onSubscribe(Flow.Subscription s) {
                sub[0] = s;
            }

            public void onNext(Signal item) {
                got.add(item);
            }

            public void onError(Throwable t) {
            }

            public void onComplete() {
                done.countDown();
            }
        });
        for (int i = 0; i < 400; i++) {
            b.publish(big(i, 64 * 1024, 0)); // 25 MiB in all: a count-bounded ring of 4,096 would hold every byte
            assertTrue(b.bufferedBytes() <= bound, "buffered " + b.bufferedBytes() + " > " + bound);
        }
        long kept = 400 - b.droppedTotal();
        assertTrue(kept >= 1 && kept <= bound / (64 * 1024), "kept " + kept);
        assertEquals(Map.of("stalled", b.droppedTotal()), b.droppedPerSubscriber());
        b.close();
        sub[0].request(Long.MAX_VALUE);
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(new Signal.Lagged(400 - kept), got.get(0));
        assertEquals(kept + 1, got.size());
        assertEquals(0, b.subscriberCount());
        assertEquals(Map.of("stalled", 400 - kept), b.droppedPerSubscriber(), "the label outlives the subscriber");
    }

    /** An idle subscriber costs no thread, and one without demand does not spin after close. */
    @Test
    void idleSubscribersOwnNoThreads() throws Exception {
        java.util.Set<Thread> earlier = Thread.getAllStackTraces().keySet(); // another test's flush timer may linger 1 s
        Broadcaster b = new Broadcaster();
        int before = Thread.activeCount();
        List<Flow.Subscription> subs = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 200; i++) {
            b.subscribe(LiveOptions.all("s" + i), new Flow.Subscriber<Signal>() {
                public void onSubscribe(Flow.Subscription s) {
                    subs.add(s);
                }

                public void onNext(Signal item) {
                }

                public void onError(Throwable t) {
                }

                public void onComplete() {
                }
            });
        }
        b.publish(event(1));
        b.close();
        Thread.sleep(200);
        long live = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("flywheel-") && !earlier.contains(t)).count();
        assertEquals(0, live);
        assertTrue(Thread.activeCount() <= before + 2);
        assertEquals(200, b.subscriberCount(), "no demand: they still hold their event, without a thread");
    }

    /** A subscribe racing close() is always completed. */
    @Test
    void aSubscribeRacingCloseIsCompleted() throws Exception {
        for (int round = 0; round < 200; round++) {
            Broadcaster b = new Broadcaster();
            CountDownLatch done = new CountDownLatch(1);
            Thread t = Thread.ofPlatform().start(() -> b.live(LiveOptions.all("r")).subscribe().with(x -> { }, f -> { }, done::countDown));
            b.close();
            t.join();
            assertTrue(done.await(5, TimeUnit.SECONDS), "round " + round);
        }
    }

    /**
     * committed_only: durable events only, each once the journal says it is fsynced - also in the middle of a block,
     * where a subscriber that takes runs must get the synced part and no more.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void committedOnlyWaitsForTheSync(Kind kind) throws Exception {
        Broadcaster b = new Broadcaster();
        Recorder got = kind.subscribe(b, new LiveOptions("c", e -> true, 1 << 20, true), Long.MAX_VALUE);
        b.publish(big(1, 32, 1));
        b.publish(big(2, 32, 0)); // ephemeral: never delivered
        b.publish(big(3, 32, 2));
        b.publish(big(4, 32, 3));
        Event[] block = new Event[6];
        for (int i = 0; i < block.length; i++) {
            block[i] = big(10 + i, 32, i % 2 == 0 ? 4 + i / 2 : 0); // seqs 4, 5, 6 between ephemeral events
        }
        b.publish(block, block.length);
        Thread.sleep(100);
        assertEquals(0, got.signals.size());
        b.synced(2);
        awaitSize(got, 2);
        assertEquals(List.of(1L, 2L), got.seqs());
        int idles = got.idles.get();
        b.synced(5); // half of the last block
        awaitSize(got, 5);
        Thread.sleep(50);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), got.seqs(), "the synced part of the block, and no more");
        if (kind == Kind.RUNS) {
            // nothing more it can have now, although seq 6 waits in its queue: it is told to flush (a tap would
            // otherwise keep 4 and 5 in its buffer until the next sync)
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); got.idles.get() == idles && System.nanoTime() < end; ) {
                Thread.sleep(5);
            }
            assertTrue(got.idles.get() > idles, "idle after the synced part");
        }
        b.close(); // seq 6 was never synced: not delivered
        assertTrue(got.done.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), got.seqs());
    }

    /**
     * A subscriber that takes runs still gets no more than it asked for: with demand given 7 at a time, runs are cut
     * inside the published blocks, and every event arrives once, in order, for a subscriber of all events and for a
     * filtering one.
     */
    @Test
    void runsHonourDemandAndKeepOrder() throws Exception {
        Broadcaster b = new Broadcaster();
        Recorder all = Kind.RUNS.subscribe(b, new LiveOptions("all", LiveOptions.ALL, 1L << 30, false), 7);
        Recorder onlyA = Kind.RUNS.subscribe(b, new LiveOptions("a", e -> e.type().equals("a"), 1L << 30, false), 7);
        Event[] reused = new Event[100];
        int published = 0;
        for (int block = 0; block < 50; block++) {
            for (int i = 0; i < reused.length; i++) {
                reused[i] = typed(published, published % 3 == 0 ? "a" : "b");
                published++;
            }
            b.publish(reused, reused.length);
            java.util.Arrays.fill(reused, null);
        }
        b.close();
        for (Recorder r : List.of(all, onlyA)) {
            assertTrue(r.done.await(10, TimeUnit.SECONDS));
            assertTrue(r.overrun.isEmpty(), "delivered beyond demand: " + r.overrun);
        }
        assertEquals(java.util.stream.LongStream.rangeClosed(1, published).boxed().toList(), all.seqs());
        assertEquals(java.util.stream.LongStream.rangeClosed(1, published).filter(q -> (q - 1) % 3 == 0).boxed().toList(),
                onlyA.seqs());
    }

    private static void awaitSize(Recorder r, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (r.signals.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    /** The two ways a subscriber can take events: one signal each (any Flow subscriber), or runs (a {@link LiveSink}). */
    enum Kind {
        SIGNALS, RUNS;

        /** Subscribes a recorder that asks for {@code window} at a time ({@code Long.MAX_VALUE}: everything; 0: nothing yet). */
        Recorder subscribe(Broadcaster b, LiveOptions options, long window) {
            Recorder r = new Recorder(window);
            b.subscribe(options, this == RUNS ? r : r.asPlainSubscriber());
            return r;
        }
    }

    /** Records what it is given, as signals; as a {@link LiveSink} it takes runs. */
    static final class Recorder implements LiveSink {
        final List<Signal> signals = new CopyOnWriteArrayList<>();
        final List<String> overrun = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        final java.util.concurrent.atomic.AtomicInteger idles = new java.util.concurrent.atomic.AtomicInteger();
        final long window;
        volatile Flow.Subscription subscription;
        private long outstanding; // delivering thread only

        Recorder(long window) {
            this.window = window;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (window > 0) {
                outstanding = window;
                s.request(window);
            }
        }

        /** Asks for everything (a stalled recorder resuming). */
        void requestAll() {
            outstanding = Long.MAX_VALUE / 2;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onEvents(Event[] events, int from, int to) {
            for (int i = from; i < to; i++) {
                signals.add(new Signal.Delivered(events[i]));
            }
            took(to - from);
        }

        @Override
        public void onNext(Signal item) {
            signals.add(item);
            took(1);
        }

        private void took(int n) {
            if (n > outstanding) {
                overrun.add(n + " > " + outstanding);
            }
            outstanding -= n;
            if (window != Long.MAX_VALUE && outstanding == 0 && window > 0) {
                outstanding = window;
                subscription.request(window);
            }
        }

        @Override
        public void idle() {
            idles.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {
            done.countDown();
        }

        @Override
        public void onComplete() {
            done.countDown();
        }

        List<Long> seqs() {
            return signals.stream().map(s -> ((Signal.Delivered) s).event().seq()).toList();
        }

        /** The same recorder seen as an ordinary Flow subscriber: one signal per event. */
        Flow.Subscriber<Signal> asPlainSubscriber() {
            Recorder self = this;
            return new Flow.Subscriber<>() {
                public void onSubscribe(Flow.Subscription s) {
                    self.onSubscribe(s);
                }

                public void onNext(Signal item) {
                    self.onNext(item);
                }

                public void onError(Throwable t) {
                    self.onError(t);
                }

                public void onComplete() {
                    self.onComplete();
                }
            };
        }
    }

    /**
     * Blocks as ingest publishes them: a stalled subscriber of every event (sharing the published blocks) and a
     * stalled one filtering by type each get, once they ask, a lag notice and then the newest events they want, in
     * order, and notice + delivered = what was published for them; the publisher's reused array never leaks in.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void blocksReachStalledSubscribersWithExactLagCountsAndOnlyTheNewestEvents(Kind kind) throws Exception {
        Broadcaster b = new Broadcaster();
        long bound = 50L * LiveSubscription.cost(typed(99_999, "a"));
        Recorder all = kind.subscribe(b, new LiveOptions("all", LiveOptions.ALL, bound, false), 0); // stalled
        Recorder a = kind.subscribe(b, new LiveOptions("a", e -> e.type().equals("a"), bound, false), 0);
        List<List<Signal>> sinks = List.of(all.signals, a.signals);
        Event[] reused = new Event[100];
        int published = 0;
        int publishedA = 0;
        for (int block = 0; block < 1000; block++) {
            for (int i = 0; i < reused.length; i++) {
                String type = (published % 3 == 0) ? "a" : "b";
                publishedA += type.equals("a") ? 1 : 0;
                reused[i] = typed(published++, type);
            }
            b.publish(reused, reused.length);
            java.util.Arrays.fill(reused, null); // as LineIngest does after each block
        }
        all.requestAll();
        a.requestAll();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!endsWith(all.signals, published - 1) || !endsWith(a.signals, lastA(published)))
                && System.nanoTime() < deadline) {
            Thread.sleep(5); // until each has been handed the newest event it wants
        }
        for (int k = 0; k < 2; k++) {
            List<Signal> got = sinks.get(k);
            int expected = k == 0 ? published : publishedA;
            Signal.Lagged lag = (Signal.Lagged) got.getFirst();
            List<Event> events = got.subList(1, got.size()).stream().map(x -> ((Signal.Delivered) x).event()).toList();
            assertEquals(expected, lag.missed() + events.size(), "notice + delivered = published, for " + k);
            assertTrue(events.size() >= 1 && events.size() <= 150, events.size() + " kept within the bound");
            int last = Integer.parseInt(events.getLast().text().replaceAll("\\D", ""));
            assertEquals(k == 0 ? published - 1 : lastA(published), last, "the newest event is kept");
            for (int i = 1; i < events.size(); i++) {
                assertTrue(events.get(i).seq() > events.get(i - 1).seq(), "in order");
                assertTrue(k == 0 || events.get(i).type().equals("a"));
            }
        }
        b.close();
    }

    /** Whether the last signal delivered the event numbered {@code n}. */
    private static boolean endsWith(List<Signal> signals, int n) {
        return !signals.isEmpty() && signals.getLast() instanceof Signal.Delivered d // the list only grows
                && Integer.parseInt(d.event().text().replaceAll("\\D", "")) == n;
    }

    private static int lastA(int published) {
        int i = published - 1;
        while (i % 3 != 0) {
            i--;
        }
        return i;
    }

    private static Event typed(int i, String type) {
        return new Event(type, true, i + 1, "test", 0, ("{\"i\":" + i + "}").getBytes());
    }
}
