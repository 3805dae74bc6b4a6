package io.flywheel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Taps that resume from a seq and taps that want only kept events, against a real server. */
class LiveTapIT {
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":(\\d+),\"class\":\"durable\",.*\"id\":\"([^\"]+)\"}}$");

    /** An in-test tap: sends its request, collects every line after {"subscribed":true}. */
    static final class Tap implements AutoCloseable {
        final SocketChannel channel;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;

        Tap(Path socket, String request) throws IOException {
            this(socket, request, () -> { });
        }

        /** {@code onSubscribed} runs on the reader thread the moment the first line has arrived. */
        Tap(Path socket, String request, Runnable onSubscribed) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer b = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                channel.write(b);
            }
            reader = Thread.ofPlatform().daemon().start(() -> {
                try {
                    InputStream in = Channels.newInputStream(channel);
                    StringBuilder line = new StringBuilder();
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                lines.add(line.toString());
                                line.setLength(0);
                                if (lines.size() == 1) {
                                    onSubscribed.run();
                                }
                            } else {
                                line.append((char) buf[i]);
                            }
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        boolean await(Predicate<List<String>> done, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                synchronized (lines) {
                    if (done.test(lines)) {
                        return true;
                    }
                }
                Thread.sleep(10);
            }
            return false;
        }

        List<String> snapshot() {
            synchronized (lines) {
                return new ArrayList<>(lines);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Test
    void aTapResumesFromASeqThroughRollsThenGoesLiveWithoutGapOrRepeat() throws Exception {
        Path work = SocketKit.workDir("resume");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        try (SocketKit.Server server = new SocketKit.Server(dir, sock, "--roll-bytes", "16KiB");
             SocketKit.Producer p = new SocketKit.Producer(sock)) {
            p.send(SocketKit.events("a", 1, 3000));
            assertTrue(p.awaitAcked(3000, Duration.ofSeconds(30)));
            // a producer keeps writing while the tap replays and switches to live
            Thread more = Thread.ofPlatform().start(() -> {
                try {
                    for (int k = 0; k < 40; k++) {
                        p.send(SocketKit.events("b", k * 100L, 100));
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try (Tap tap = new Tap(sock, "{\"tap\":{\"from_seq\":1001,\"envelope\":true,\"name\":\"resumer\"}}")) {
                more.join();
                assertTrue(p.awaitAcked(7000, Duration.ofSeconds(30)));
                assertTrue(tap.await(l -> !l.isEmpty() && l.getLast().contains("\"id\":\"b3999\""), Duration.ofSeconds(30)),
                        "the tap reaches the newest event: " + tap.snapshot().subList(0, Math.min(3, tap.snapshot().size())));
                List<String> got = tap.snapshot();
                assertEquals("{\"subscribed\":true}", got.getFirst());
                long expect = 1001;
                for (String line : got.subList(1, got.size())) {
                    Matcher m = SEQ.matcher(line);
                    assertTrue(m.matches(), line);
                    assertEquals(expect, Long.parseLong(m.group(1)), "no gap, no repeat: " + line);
                    String id = m.group(2);
                    String want = expect <= 3000 ? "a" + expect : "b" + (expect - 3001);
                    assertEquals(want, id);
                    expect++;
                }
                assertEquals(7001, expect);
            }
            assertEquals(0, server.stop());
        }
    }

    @Test
    void aCommittedOnlyTapGetsOnlyWhatTheJournalKept() throws Exception {
        Path work = SocketKit.workDir("committed");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        // the third fsync of the segment never returns: what it covers is received but never kept
        try (SocketKit.Server server = new SocketKit.Server(Map.of("FLYWHEEL_FAULT", "hold:segment-sync:3"), dir, sock);
             Tap all = new Tap(sock, "{\"tap\":{}}");
             Tap kept = new Tap(sock, "{\"tap\":{\"committed_only\":true,\"envelope\":true}}");
             SocketKit.Producer p = new SocketKit.Producer(sock)) {
            assertTrue(all.await(l -> !l.isEmpty(), Duration.ofSeconds(10)) && kept.await(l -> !l.isEmpty(), Duration.ofSeconds(10)));
            p.send(SocketKit.events("k", 1, 1));
            assertTrue(p.awaitAcked(1, Duration.ofSeconds(10)));
            p.send(SocketKit.events("k", 2, 1));
            assertTrue(p.awaitAcked(2, Duration.ofSeconds(10)));
            p.send(SocketKit.events("k", 3, 10));
            assertTrue(all.await(l -> l.size() == 13, Duration.ofSeconds(10)),
                    () -> "a plain tap sees every event at once: " + all.snapshot());
            assertTrue(kept.await(l -> l.size() == 3, Duration.ofSeconds(10)), "kept events arrive: " + kept.snapshot());
            TimeUnit.MILLISECONDS.sleep(500);
            assertEquals(2, p.acked);
            List<String> got = kept.snapshot();
            assertEquals(3, got.size(), "only the two kept events: " + got);
            assertTrue(got.get(1).startsWith("{\"seq\":1,\"class\":\"durable\"") && got.get(1).contains("\"id\":\"k1\""), got.get(1));
            assertTrue(got.get(2).startsWith("{\"seq\":2,") && got.get(2).contains("\"id\":\"k2\""), got.get(2));
            server.kill();
        }
    }

    /**
     * A tap resuming from a seq whose events are partly gone from the files (a segment shipped and removed, as
     * {@code --keep-shipped 0} does): it gets everything still there in order, and {@code {"lagged":N}} where the
     * missing N would have been.
     */
    @Test
    void aResumingTapIsToldHowManyEventsAreNoLongerInTheJournal() throws Exception {
        Path work = SocketKit.workDir("gone");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        try (SocketKit.Server server = new SocketKit.Server(dir, sock, "--roll-bytes", "16KiB");
             SocketKit.Producer p = new SocketKit.Producer(sock)) {
            p.send(SocketKit.events("a", 1, 1000));
            assertTrue(p.awaitAcked(1000, Duration.ofSeconds(30)));
            // the second segment, once sealed and shippable (its in-progress name goes a second after the seal)
            Path segment;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                try (var s = Files.list(dir.resolve("segments"))) {
                    List<Path> names = s.map(Path::getFileName).map(Path::toString).sorted().map(dir.resolve("segments")::resolve).toList();
                    List<Path> sealed = names.stream().filter(n -> n.toString().endsWith(".jsonl")).toList();
                    segment = sealed.size() > 2 ? sealed.get(1) : null;
                    if (segment != null && !names.contains(Path.of(segment + ".open"))) {
                        break;
                    }
                }
                assertTrue(System.nanoTime() < deadline, "a second segment sealed");
                Thread.sleep(50);
            }
            long first = Long.parseLong(segment.getFileName().toString().replaceAll(".*-(\\d{19})\\.jsonl$", "$1"));
            long count = Files.readAllLines(segment).size();
            Files.delete(segment);
            Files.deleteIfExists(Path.of(segment + ".seal"));

            try (Tap tap = new Tap(sock, "{\"tap\":{\"from_seq\":1,\"envelope\":true}}")) {
                assertTrue(tap.await(l -> !l.isEmpty() && l.getLast().contains("\"id\":\"a1000\""), Duration.ofSeconds(30)),
                        () -> "the tap reaches the newest event: " + tap.snapshot().size() + " lines");
                List<String> got = tap.snapshot();
                assertEquals("{\"subscribed\":true}", got.getFirst());
                assertEquals("{\"lagged\":" + count + "}", got.get((int) first), "where seqs " + first + "-" + (first + count - 1) + " were");
                List<String> events = new ArrayList<>(got.subList(1, (int) first));
                events.addAll(got.subList((int) first + 1, got.size()));
                long expect = 1;
                for (String line : events) {
                    Matcher m = SEQ.matcher(line);
                    assertTrue(m.matches(), line);
                    assertEquals(expect, Long.parseLong(m.group(1)), line);
                    expect = expect == first - 1 ? first + count : expect + 1;
                }
                assertEquals(1001, expect);
            }
            assertEquals(0, server.stop());
        }
    }

    /**
     * "subscribed" means subscribed: an event sent the moment a tap has read that line reaches the tap. The server
     * used to write the line before it registered the subscriber, so an event sent at once could be published to a
     * subscriber list without the tap in it.
     */
    @Test
    void anEventSentTheMomentATapIsSubscribedReachesIt() throws Exception {
        Path work = SocketKit.workDir("subscribed");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        try (SocketKit.Server server = new SocketKit.Server(dir, sock);
             SocketKit.Producer p = new SocketKit.Producer(sock)) {
            for (int round = 0; round < 300; round++) {
                byte[] event = SocketKit.events("r", round, 1);
                try (Tap tap = new Tap(sock, "{\"tap\":{}}", () -> {
                    try {
                        p.send(event);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })) {
                    int r = round;
                    assertTrue(tap.await(l -> l.size() == 2, Duration.ofSeconds(10)), () -> "round " + r + ": " + tap.snapshot());
                    assertTrue(tap.snapshot().get(1).contains("\"id\":\"r" + round + "\""), tap.snapshot().get(1));
                }
            }
            assertEquals(0, server.stop());
        }
    }

    /**
     * Events reach a tap in seq order, whichever producer sent them: a consumer resuming after the last seq it
     * processed would otherwise skip the lower seqs still on their way. Publishing after the journal lock was released
     * let one connection's block overtake another's.
     */
    @Test
    void aTapSeesSeqsInOrderWithManyProducers() throws Exception {
        Path work = SocketKit.workDir("order");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        int producers = 4;
        int each = 20_000;
        try (SocketKit.Server server = new SocketKit.Server(dir, sock);
             Tap tap = new Tap(sock, "{\"tap\":{\"envelope\":true}}")) {
            assertTrue(tap.await(l -> !l.isEmpty(), Duration.ofSeconds(10)));
            List<SocketKit.Producer> ps = new ArrayList<>();
            List<Thread> senders = new ArrayList<>();
            for (int k = 0; k < producers; k++) {
                SocketKit.Producer p = new SocketKit.Producer(sock);
                ps.add(p);
                String prefix = "p" + k + "-";
                senders.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < each; i += 50) {
                            p.send(SocketKit.events(prefix, i, 50)); // many small blocks, interleaved with the others'
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
            }
            for (Thread t : senders) {
                t.join();
            }
            for (SocketKit.Producer p : ps) {
                assertTrue(p.awaitAcked(each, Duration.ofSeconds(60)));
                p.close();
            }
            long total = (long) producers * each;
            assertTrue(tap.await(l -> l.stream().anyMatch(x -> x.startsWith("{\"seq\":" + total + ",")), Duration.ofSeconds(30)),
                    "the tap reaches the last seq");
            long previous = 0;
            for (String line : tap.snapshot()) {
                Matcher m = SEQ.matcher(line);
                if (m.matches()) { // lag notices may come between
                    long seq = Long.parseLong(m.group(1));
                    assertTrue(seq > previous, "seq " + seq + " after " + previous);
                    previous = seq;
                }
            }
            assertEquals(0, server.stop());
        }
    }
}
