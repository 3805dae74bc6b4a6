import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Socket benchmark client (JDK only, run as a source file): java bench/SocketBench.java SOCKET INPUT.jsonl
 * 1. throughput: INPUT split into 4 parts, 4 producers send at once, time until every line is acked;
 * 2. latency: one producer offers 10,000 events/s for 10 s (batches of 10 every ms) and measures, per line, the time
 *    from its write to the ack that covers it.
 * Single measurements for bench/suite.py:
 *   ... SOCKET INPUT throughput PRODUCERS
 *   ... SOCKET INPUT latency RATE SECONDS OUT   (writes every latency in ns, sorted, one per line, to OUT)
 *   ... SOCKET - taps N STALLED                  (N tap connections, STALLED of them never read; until stdin closes)
 */
public class SocketBench {
    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        if (args.length > 2) {
            single(socket, args);
            return;
        }
        byte[] all = Files.readAllBytes(Path.of(args[1]));
        throughput(socket, all, 4);
        latency(socket, all, 10_000, 10, null);
    }

    static void single(Path socket, String[] args) throws Exception {
        switch (args[2]) {
            case "throughput" -> throughput(socket, Files.readAllBytes(Path.of(args[1])), Integer.parseInt(args[3]));
            case "latency" -> latency(socket, Files.readAllBytes(Path.of(args[1])), Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]), Path.of(args[5]));
            case "taps" -> taps(socket, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            default -> throw new IllegalArgumentException("unknown mode " + args[2]);
        }
    }

    /** Tap connections that read and discard (or, STALLED of them, never read) until stdin closes. */
    static void taps(Path socket, int n, int stalled) throws Exception {
        List<SocketChannel> open = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("{\"tap\":{}}\n".getBytes()));
            open.add(ch);
            if (k >= stalled) {
                Thread.ofPlatform().daemon().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 16); // no copy out of the JDK's direct buffer: the reader only discards
                    try {
                        while (ch.read(b.clear()) >= 0) {
                            // discard
                        }
                    } catch (IOException e) {
                        // closed
                    }
                });
            }
        }
        System.out.println("taps ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for stdin to close
        }
        for (SocketChannel ch : open) {
            ch.close();
        }
    }

    static void throughput(Path socket, byte[] all, int producers) throws Exception {
        List<byte[]> parts = split(all, producers);
        long lines = count(all);
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        long[] acked = new long[producers];
        for (int k = 0; k < producers; k++) {
            int kk = k;
            threads.add(Thread.ofPlatform().start(() -> acked[kk] = sendAll(socket, parts.get(kk))));
        }
        for (Thread t : threads) {
            t.join();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long total = Arrays.stream(acked).sum();
        if (total != lines) {
            throw new IllegalStateException("acked " + total + " of " + lines);
        }
        System.out.printf(Locale.ROOT, "socket, %d producers: %d events acked in %.2f s = %.0f events/s%n",
                producers, total, secs, total / secs);
    }

    static long sendAll(Path socket, byte[] data) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            long[] last = {0};
            Thread reader = Thread.ofPlatform().start(() -> readAcks(ch, n -> last[0] = n));
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.shutdownOutput();
            reader.join();
            return last[0];
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    interface AckSink {
        void ack(long n);
    }

    static void readAcks(SocketChannel ch, AckSink sink) {
        try {
            InputStream in = Channels.newInputStream(ch);
            byte[] buf = new byte[8192];
            long v = 0;
            boolean inNum = false;
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    byte c = buf[i];
                    if (c >= '0' && c <= '9') {
                        v = v * 10 + (c - '0');
                        inNum = true;
                    } else if (c == '}' && inNum) { // {"ack":N}: the only frame this benchmark expects
                        sink.ack(v);
                        v = 0;
                        inNum = false;
                    } else if (c == '\n') {
                        v = 0;
                        inNum = false;
                    }
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    static void latency(Path socket, byte[] all, int rate, int seconds, Path out) throws Exception {
        int total = rate * seconds;
        int[] starts = lineStarts(all, total + 1);
        long[] sentAt = new long[total + 1];
        long[] lat = new long[total + 1];
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            long[] prev = {0};
            Thread reader = Thread.ofPlatform().start(() -> readAcks(ch, n -> {
                long now = System.nanoTime();
                for (long i = prev[0] + 1; i <= n; i++) {
                    lat[(int) i] = now - sentAt[(int) i];
                }
                prev[0] = Math.max(prev[0], n);
            }));
            int perTick = rate / 1000;
            long start = System.nanoTime();
            int line = 0;
            for (int tick = 0; line < total; tick++) {
                long due = start + tick * 1_000_000L;
                // sleep, not spin: on a small machine a spinning client would steal the server's core
                for (long left; (left = due - System.nanoTime()) > 0; ) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
                int from = starts[line];
                int to = starts[Math.min(line + perTick, total)];
                long now = System.nanoTime();
                for (int i = 1; i <= perTick && line + i <= total; i++) {
                    sentAt[line + i] = now;
                }
                ch.write(ByteBuffer.wrap(all, from, to - from));
                line += perTick;
            }
            ch.shutdownOutput();
            reader.join();
            if (prev[0] != total) {
                throw new IllegalStateException("acked " + prev[0] + " of " + total);
            }
        }
        long[] sorted = Arrays.copyOfRange(lat, 1, total + 1);
        Arrays.sort(sorted);
        if (out != null) {
            StringBuilder sb = new StringBuilder();
            for (long v : sorted) {
                sb.append(v).append('\n');
            }
            Files.writeString(out, sb);
        }
        System.out.printf(Locale.ROOT, "socket ack latency at %,d events/s offered (%d events): p50 %.2f ms, p99 %.2f ms, p999 %.2f ms, max %.2f ms%n",
                rate, total, ms(sorted, 0.50), ms(sorted, 0.99), ms(sorted, 0.999), sorted[sorted.length - 1] / 1e6);
    }

    static double ms(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }

    static int[] lineStarts(byte[] all, int n) {
        int[] s = new int[n + 1];
        int line = 0;
        s[0] = 0;
        for (int i = 0; i < all.length && line < n; i++) {
            if (all[i] == '\n') {
                s[++line] = i + 1;
            }
        }
        if (line < n) {
            throw new IllegalStateException("input has only " + line + " lines");
        }
        return s;
    }

    static long count(byte[] b) {
        long n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    static List<byte[]> split(byte[] all, int parts) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int k = 1; k <= parts; k++) {
            int to = k == parts ? all.length : all.length * k / parts;
            while (to < all.length && all[to - 1] != '\n') {
                to++;
            }
            out.add(Arrays.copyOfRange(all, from, to));
            from = to;
        }
        return out;
    }
}
