import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The least a tap can cost: the lines of INPUT written through N Unix sockets to N readers, each line copied into a
 * 64 KiB direct buffer that is written when full (as Flywheel's tap output does), each reader reading into a direct
 * buffer and discarding (as bench taps do). No parsing, journal or broadcast. Prints CPU per line of the writers and
 * of the readers, to set beside what Flywheel's taps add per acked event.
 *
 * <pre>java bench/TapFloor.java INPUT N</pre>
 */
public class TapFloor {
    public static void main(String[] args) throws Exception {
        byte[] all = Files.readAllBytes(Path.of(args[0]));
        int n = Integer.parseInt(args[1]);
        List<byte[]> lines = new ArrayList<>();
        for (int start = 0, i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                lines.add(java.util.Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        for (int round = 0; round < 2; round++) { // the first warms the JIT
            run(lines, n, round == 1);
        }
    }

    static void run(List<byte[]> lines, int n, boolean print) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Path sock = Files.createTempDirectory("tapfloor").resolve("s.sock");
        long[] writerCpu = new long[n];
        long[] readerCpu = new long[n];
        List<Thread> threads = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            for (int k = 0; k < n; k++) {
                int kk = k;
                SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                SocketChannel accepted = server.accept();
                threads.add(Thread.ofPlatform().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 16);
                    try (client) {
                        while (client.read(b.clear()) >= 0) {
                            // discard
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    readerCpu[kk] = mx.getCurrentThreadCpuTime();
                }));
                threads.add(Thread.ofPlatform().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 16);
                    try (accepted) {
                        for (byte[] line : lines) {
                            if (line.length >= b.remaining()) {
                                write(accepted, b);
                            }
                            b.put(line).put((byte) '\n');
                        }
                        write(accepted, b);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    writerCpu[kk] = mx.getCurrentThreadCpuTime();
                }));
            }
            long t0 = System.nanoTime();
            for (Thread t : threads) {
                t.join();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (print) {
                double w = java.util.Arrays.stream(writerCpu).sum() / 1e3 / lines.size();
                double r = java.util.Arrays.stream(readerCpu).sum() / 1e3 / lines.size();
                System.out.printf(Locale.ROOT, "%d lines to %d taps in %.2f s: CPU per line: writers %.3f us, readers %.3f us, together %.3f us%n",
                        lines.size(), n, secs, w, r, w + r);
            }
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    static void write(SocketChannel ch, ByteBuffer b) throws Exception {
        b.flip();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        b.clear();
    }
}
