package io.flywheel.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.event.Event;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BroadcasterTest {

    private static Event event(int i) {
        return new Event("text_chunk", false, "test", 0, ("{\"i\":" + i + "}").getBytes());
    }

    @Test
    void aStalledSubscriberLosesTheOldestAndIsToldExactlyHowMany() throws Exception {
        Broadcaster b = new Broadcaster();
        List<Signal> got = new CopyOnWriteArrayList<>();
        Flow.Subscription[] sub = new Flow.Subscription[1];
        CountDownLatch done = new CountDownLatch(1);
        b.subscribe(8, e -> true).subscribe().withSubscriber(new MultiSubscriber<Signal>() {
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
        b.subscribe(1 << 16, e -> true).subscribe().with(got::add, f -> { }, done::countDown);
        for (int i = 0; i < 50_000; i++) {
            b.publish(event(i));
        }
        b.close();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        assertEquals(50_000, got.size());
        assertEquals("{\"i\":49999}", ((Signal.Delivered) got.get(49_999)).event().text());
    }
}
