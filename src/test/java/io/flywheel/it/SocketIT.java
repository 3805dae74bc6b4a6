package io.flywheel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.it.SocketKit.Producer;
import io.flywheel.it.SocketKit.Result;
import io.flywheel.it.SocketKit.Server;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** End to end over real Unix sockets against the real executable. */
class SocketIT {

    @Test
    void emitGetsAcksRejectsAndSummary() throws Exception {
        Path work = SocketKit.workDir("basic");
        Path dir = work.resolve("d");
        Path sock = work.resolve("f.sock");
        try (Server server = new Server(dir, sock)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            Path ok = work.resolve("ok.jsonl");
            Files.write(ok, SocketKit.events("ok-", 0, 1000));
            Files.writeString(ok, "{\"type\":\"text_chunk\",\"text\":\"ephemeral\"}", java.nio.file.StandardOpenOption.APPEND);
            Result r = SocketKit.run(ok, "emit", "--socket", sock.toString());
            assertEquals(0, r.code(), r.err());
            assertEquals("{\"sent\":1001,\"acked\":1001,\"rejected\":0}", SocketKit.lastLine(r.out()));

            Path bad = work.resolve("bad.jsonl");
            Files.writeString(bad, SocketKit.event("b-0") + "not json\n" + SocketKit.event("b-2"));
            r = SocketKit.run(bad, "emit", "--socket", sock.toString());
            assertEquals(1, r.code());
            assertEquals("{\"sent\":3,\"acked\":3,\"rejected\":1}", SocketKit.lastLine(r.out()));
            assertTrue(r.err().contains("line 2 rejected"), r.err());

            // the raw protocol: reject notice before the ack that covers it
            try (Producer p = new Producer(sock)) {
                p.send(("nope\n" + SocketKit.event("raw-1")).getBytes(StandardCharsets.UTF_8));
                assertTrue(p.finish(Duration.ofSeconds(10)));
                assertEquals(2, p.acked);
                assertEquals(List.of("{\"rejected\":1,\"reason\":\"malformed JSON: Unrecognized token 'nope': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\"}"), p.others);
            }

            // a live instance owns the socket: a second server refuses
            Result second = SocketKit.run(null, "run", "--dir", work.resolve("d2").toString(), "--socket", sock.toString());
            assertEquals(1, second.code());
            assertTrue(second.err().contains("already listening"), second.err());

            assertEquals(0, server.stop(), server.log());
        }
        assertTrue(Files.notExists(sock), "socket file removed at exit");
        Map<String, Integer> ids = SocketKit.segmentIds(dir);
        assertEquals(1003, ids.size());
        try (Stream<Path> rej = Files.list(dir.resolve("rejected"))) {
            String all = String.join("", rej.map(SocketKit::readQuietly).toList());
            assertTrue(all.contains("\"original\":\"not json\""), all);
        }
        assertEquals(0, SocketKit.run(null, "verify", "--dir", dir.toString()).code());
    }

    @Test
    void staleSocketIsReplacedAndEmitReportsAMissingServer() throws Exception {
        Path work = SocketKit.workDir("stale");
        Path sock = work.resolve("f.sock");
        // a socket file nobody listens on, as a crash leaves it
        try (var ch = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(sock));
        }
        assertTrue(Files.exists(sock));
        Result r = SocketKit.run(null, "emit", "--socket", sock.toString());
        assertEquals(1, r.code());
        assertEquals("{\"sent\":0,\"acked\":0,\"rejected\":0}", SocketKit.lastLine(r.out()));
        assertTrue(r.err().contains("cannot connect"), r.err());
        try (Server server = new Server(work.resolve("d"), sock, "--socket-mode", "0660")) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            try (Producer p = new Producer(sock)) {
                p.send(SocketKit.events("s-", 0, 10));
                assertTrue(p.finish(Duration.ofSeconds(10)));
                assertEquals(10, p.acked);
            }
            assertEquals(0, server.stop());
        }
    }

    @Test
    void eightConcurrentEmittersEveryAckedEventExactlyOnce() throws Exception {
        Path work = SocketKit.workDir("eight");
        Path dir = work.resolve("d");
        Path sock = work.resolve("f.sock");
        int producers = 8;
        int perProducer = 50_000;
        List<Path> inputs = new ArrayList<>();
        for (int k = 0; k < producers; k++) {
            Path in = work.resolve("in-" + k + ".jsonl");
            Files.write(in, SocketKit.events("p" + k + "-", 0, perProducer));
            inputs.add(in);
        }
        try (Server server = new Server(dir, sock)) {
            List<Process> emits = new ArrayList<>();
            for (int k = 0; k < producers; k++) {
                emits.add(SocketKit.start(inputs.get(k), work.resolve("out-" + k), "emit", "--socket", sock.toString()));
            }
            for (int k = 0; k < producers; k++) {
                Process p = emits.get(k);
                assertTrue(p.waitFor(180, TimeUnit.SECONDS));
                String out = Files.readString(work.resolve("out-" + k));
                assertEquals(0, p.exitValue(), out + SocketKit.readQuietly(work.resolve("out-" + k + ".err")));
                assertEquals("{\"sent\":50000,\"acked\":50000,\"rejected\":0}", SocketKit.lastLine(out));
            }
            assertEquals(0, server.stop(), server.log());
        }
        Map<String, Integer> ids = SocketKit.segmentIds(dir);
        assertEquals(producers * perProducer, ids.size());
        for (int k = 0; k < producers; k++) {
            for (int i = 0; i < perProducer; i++) {
                assertEquals(1, ids.getOrDefault("p" + k + "-" + i, 0), "p" + k + "-" + i);
            }
        }
    }

    @Test
    void sigkillWhileStreamingLosesNoAckedEvent() throws Exception {
        Path work = SocketKit.workDir("kill");
        Path dir = work.resolve("d");
        Path sock = work.resolve("f.sock");
        Random random = new Random(42);
        Set<String> acked = new HashSet<>();
        int rounds = 20;
        long totalAcked = 0;
        for (int round = 0; round < rounds; round++) {
            Server server = new Server(dir, sock);
            int n = 3;
            List<Producer> ps = new ArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Producer p = new Producer(sock);
                ps.add(p);
                String prefix = "r" + round + "p" + k + "-";
                writers.add(Thread.ofPlatform().start(() -> {
                    long next = 0;
                    try {
                        while (true) {
                            p.send(SocketKit.events(prefix, next, 200));
                            next += 200;
                            Thread.sleep(4); // ~50,000 events/s per producer: enough traffic, a bounded data volume
                        }
                    } catch (IOException | InterruptedException e) {
                        // the server was killed
                    }
                }));
            }
            Thread.sleep(300 + random.nextInt(900));
            server.kill();
            for (int k = 0; k < n; k++) {
                writers.get(k).join(10_000);
                Producer p = ps.get(k);
                p.joinReader(Duration.ofSeconds(10));
                p.close();
                for (long i = 0; i < p.acked; i++) {
                    acked.add("r" + round + "p" + k + "-" + i);
                }
                totalAcked += p.acked;
            }
        }
        assertTrue(totalAcked > 0, "some events were acked");
        // a last start recovers what the last kill left, then a clean stop
        try (Server server = new Server(dir, sock)) {
            assertEquals(0, server.stop(), server.log());
        }
        Result verify = SocketKit.run(null, "verify", "--dir", dir.toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
        Map<String, Integer> ids = SocketKit.segmentIds(dir);
        List<String> dups = ids.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(5).toList();
        assertTrue(dups.isEmpty(), "duplicates: " + dups);
        List<String> lost = acked.stream().filter(id -> !ids.containsKey(id)).limit(5).toList();
        assertTrue(lost.isEmpty(), "acked but lost: " + lost);
        System.out.printf("sigkill: %d rounds, %d events acked, %d in segments%n", rounds, acked.size(), ids.size());
    }

    @Test
    void suspendedTapNeverHoldsProducersBackAndLearnsItLagged() throws Exception {
        Path work = SocketKit.workDir("tap");
        Path sock = work.resolve("f.sock");
        try (Server server = new Server(work.resolve("d"), sock)) {
            // a filtered tap sees only its types
            Path filtered = work.resolve("filtered.out");
            Process ftap = SocketKit.start(null, filtered, "tap", "--socket", sock.toString(), "--type", "text_chunk");
            Path tapOut = work.resolve("tap.out");
            Process tap = SocketKit.start(null, tapOut, "tap", "--socket", sock.toString());
            // wait until both taps are subscribed: events reach them
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int probe = 0;
            while ((Files.size(tapOut) == 0 || Files.size(filtered) == 0) && System.nanoTime() < deadline) {
                try (Producer p = new Producer(sock)) {
                    p.send(("{\"type\":\"text_chunk\",\"text\":\"probe " + probe++ + "\"}\n" + SocketKit.event("probe-" + probe)).getBytes(StandardCharsets.UTF_8));
                    p.finish(Duration.ofSeconds(5));
                }
                Thread.sleep(100);
            }
            assertTrue(Files.size(tapOut) > 0 && Files.size(filtered) > 0, "taps subscribed");
            for (String l : Files.readAllLines(filtered)) {
                assertTrue(l.startsWith("{\"type\":\"text_chunk\""), l);
            }
            ftap.destroy();

            // behaviour, not speed (speed is measured in bench/): with the tap suspended, every producer line is
            // still acked (throughput() asserts it), so a stalled tap never holds producers back
            SocketKit.signal(tap, "STOP");
            throughput(sock, "b");
            SocketKit.signal(tap, "CONT");
            // after SIGCONT the tap learns it lagged
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.readString(tapOut).contains("{\"lagged\":") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(Files.readString(tapOut).contains("{\"lagged\":"), "lag notice");
            tap.destroy();
            tap.waitFor(10, TimeUnit.SECONDS);
            assertEquals(0, server.stop(), server.log());
        }
    }

    /** Two producers, 150,000 durable events each, every one acked (asserted); returns acked events per second. */
    private static double throughput(Path sock, String tag) throws Exception {
        int n = 2;
        int each = 150_000;
        byte[][] data = new byte[n][];
        for (int k = 0; k < n; k++) {
            data[k] = SocketKit.events(tag + k + "-", 0, each);
        }
        long t0 = System.nanoTime();
        List<Thread> ts = new ArrayList<>();
        List<Producer> ps = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            Producer p = new Producer(sock);
            ps.add(p);
            byte[] d = data[k];
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    p.send(d);
                    p.finish(Duration.ofSeconds(120));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        for (Producer p : ps) {
            assertEquals(each, p.acked);
            p.close();
        }
        return n * each / secs;
    }

    @Test
    void hostileClientsDoNotStallANormalProducer() throws Exception {
        Path work = SocketKit.workDir("hostile");
        Path sock = work.resolve("f.sock");
        List<SocketChannel> idle = new ArrayList<>();
        AtomicBoolean stopFlood = new AtomicBoolean();
        try (Server server = new Server(work.resolve("d"), sock, "--max-connections", "1010")) {
            for (int i = 0; i < 1000; i++) {
                idle.add(connect(sock));
            }
            // garbage, read by nobody
            SocketChannel garbage = connect(sock);
            Thread gt = Thread.ofPlatform().daemon().start(() -> {
                byte[] junk = new byte[64 * 1024];
                Random r = new Random(1);
                try {
                    while (!stopFlood.get()) {
                        r.nextBytes(junk);
                        for (int i = 0; i < junk.length; i += 50) {
                            junk[i] = '\n';
                        }
                        write(garbage, junk);
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
            // one 5 MB line
            Producer huge = new Producer(sock);
            Thread ht = Thread.ofPlatform().daemon().start(() -> {
                try {
                    byte[] line = new byte[5 << 20];
                    Arrays.fill(line, (byte) 'x');
                    line[line.length - 1] = '\n';
                    huge.send(line);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            // half-open: half a line, then silence
            SocketChannel half = connect(sock);
            write(half, "{\"type\":\"done\",\"id\":\"half".getBytes(StandardCharsets.UTF_8));
            // floods valid events and never reads its acks
            SocketChannel deaf = connect(sock);
            Thread dt = Thread.ofPlatform().daemon().start(() -> {
                byte[] batch = SocketKit.events("deaf-", 0, 1000);
                try {
                    while (!stopFlood.get()) {
                        write(deaf, batch);
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
            // beyond --max-connections: a clear refusal
            Producer normal = new Producer(sock);
            List<Producer> extra = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                extra.add(new Producer(sock));
            }
            long refused = 0;
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); refused < 4 && System.nanoTime() < deadline; ) {
                Thread.sleep(20); // the acceptor works through the flood's queued connections first
                refused = extra.stream().filter(p -> p.others.stream().anyMatch(l -> l.contains("too many connections"))).count();
            }
            assertTrue(refused >= 4, "refused " + refused);
            for (Producer p : extra) {
                p.close();
            }

            long t0 = System.nanoTime();
            normal.send(SocketKit.events("normal-", 0, 20_000));
            assertTrue(normal.awaitAcked(20_000, Duration.ofSeconds(30)), "normal producer acked " + normal.acked);
            System.out.printf("hostile: normal producer got 20000 acks in %.2f s%n", (System.nanoTime() - t0) / 1e9);
            ht.join(30_000);
            assertTrue(huge.awaitAcked(1, Duration.ofSeconds(30)));
            assertEquals(1, huge.rejected);
            assertTrue(huge.others.get(0).contains("exceeds --max-line-bytes"), huge.others.toString());
            assertTrue(normal.finish(Duration.ofSeconds(10)));
            assertEquals(0, normal.rejected);

            stopFlood.set(true);
            long s0 = System.nanoTime();
            assertEquals(0, server.stop(), server.log());
            System.out.printf("hostile: SIGTERM to exit %.2f s%n", (System.nanoTime() - s0) / 1e9);
            gt.join(5000);
            dt.join(5000);
            huge.close();
        } finally {
            for (SocketChannel c : idle) {
                c.close();
            }
        }
    }

    @Test
    void socketActivationUsesTheInheritedListener() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) || which("python3"), "needs python3 to pass a socket as stdin");
        Path work = SocketKit.workDir("activated");
        Path sock = work.resolve("f.sock");
        // what systemd does with StandardInput=socket: bind, listen, hand over the listener as fd 0
        String py = "import socket,os,sys\n"
                + "s=socket.socket(socket.AF_UNIX,socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(64)\n"
                + "os.dup2(s.fileno(),0); os.execv(sys.argv[2], sys.argv[2:])\n";
        Path log = work.resolve("server.log");
        Process p = new ProcessBuilder("python3", "-c", py, sock.toString(), SocketKit.BINARY.toString(), "run",
                "--dir", work.resolve("d").toString(), "--socket-activated")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(log).contains("listening on") && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(Files.readString(log).contains("listening on"), Files.readString(log));
            try (Producer pr = new Producer(sock)) {
                pr.send(SocketKit.events("act-", 0, 100));
                assertTrue(pr.finish(Duration.ofSeconds(10)));
                assertEquals(100, pr.acked);
            }
            p.destroy();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(100, SocketKit.segmentIds(work.resolve("d")).size());
    }

    private static boolean which(String cmd) {
        try {
            return new ProcessBuilder("sh", "-c", "command -v " + cmd).start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static SocketChannel connect(Path sock) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(sock));
        return ch;
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
