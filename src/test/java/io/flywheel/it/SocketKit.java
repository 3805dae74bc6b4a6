package io.flywheel.it;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the socket ITs share: the real executable, server processes, in-test socket clients, segment parsing. */
final class SocketKit {
    static final Path BINARY = Path.of(System.getProperty("flywheel.binary", "target/flywheel")).toAbsolutePath();

    private SocketKit() {
    }

    static Path workDir(String name) throws IOException {
        Path base = Path.of("target", "it-socket").toAbsolutePath();
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name);
    }

    /** A durable event with a unique id. */
    static String event(String id) {
        return "{\"type\":\"tool_call_complete\",\"tool_call_id\":\"c\",\"name\":\"bash\",\"output\":\"ok lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\",\"success\":true,\"duration_ms\":3,\"id\":\"" + id + "\"}\n";
    }

    static byte[] events(String prefix, long from, long count) {
        StringBuilder sb = new StringBuilder();
        for (long i = from; i < from + count; i++) {
            sb.append(event(prefix + i));
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A `flywheel run --socket` process. */
    static final class Server implements AutoCloseable {
        final Process process;
        final Path socket;
        final Path log;

        Server(Path dir, Path socket, String... extra) throws IOException, InterruptedException {
            this(dir, socket, Map.of(), extra);
        }

        Server(Map<String, String> env, Path dir, Path socket, String... extra) throws IOException, InterruptedException {
            this(dir, socket, env, extra);
        }

        /** With extra environment, e.g. {@code FLYWHEEL_JAVA_OPTS=-Xmx256m} for a memory-capped server. */
        Server(Path dir, Path socket, Map<String, String> env, String... extra) throws IOException, InterruptedException {
            this.socket = socket;
            this.log = dir.resolveSibling(dir.getFileName() + "-server-" + System.nanoTime() + ".log");
            List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "run", "--dir", dir.toString(), "--socket", socket.toString()));
            cmd.addAll(List.of(extra));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(env);
            process = pb.start();
            awaitListening();
        }

        private void awaitListening() throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("server exited " + process.exitValue() + ": " + log());
                }
                if (Files.readString(log).contains("listening on")) {
                    return;
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("server did not start: " + log());
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        /** SIGTERM and the exit code. */
        int stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("server ignored SIGTERM for 60s");
            }
            return process.exitValue();
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                kill();
            }
        }
    }

    /** An in-test producer: writes on the caller's thread, reads acks on its own. */
    static final class Producer implements AutoCloseable {
        private static final Pattern ACK = Pattern.compile("\\{\"ack\":(\\d+)}");
        final SocketChannel channel;
        final List<String> others = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread reader;
        volatile long acked;
        volatile long rejected;
        volatile long sentLines;

        Producer(Path socket) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            reader = Thread.ofPlatform().daemon().start(this::readAcks);
        }

        private void readAcks() {
            try {
                InputStream in = Channels.newInputStream(channel);
                StringBuilder line = new StringBuilder();
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            String l = line.toString();
                            line.setLength(0);
                            Matcher m = ACK.matcher(l);
                            if (m.matches()) {
                                acked = Long.parseLong(m.group(1));
                            } else {
                                if (l.startsWith("{\"rejected\"")) {
                                    rejected++;
                                }
                                others.add(l);
                            }
                        } else {
                            line.append((char) buf[i]);
                        }
                    }
                }
            } catch (IOException e) {
                // server gone
            }
        }

        void send(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            for (byte x : bytes) {
                if (x == '\n') {
                    sentLines++;
                }
            }
        }

        /** Half-closes and waits until the server closed its side; false on timeout. */
        boolean finish(Duration timeout) throws IOException, InterruptedException {
            channel.shutdownOutput();
            reader.join(timeout.toMillis());
            return !reader.isAlive();
        }

        boolean awaitAcked(long n, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (acked < n && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            return acked >= n;
        }

        void joinReader(Duration timeout) throws InterruptedException {
            reader.join(timeout.toMillis());
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** Every "id" in every segment, with how often it occurs. */
    static Map<String, Integer> segmentIds(Path dir) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        try (Stream<Path> files = Files.list(dir.resolve("segments"))) {
            for (Path f : files.sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    int at = line.indexOf("\"id\":\"");
                    if (at < 0) {
                        continue;
                    }
                    int end = line.indexOf('"', at + 6);
                    if (end < 0) {
                        continue; // the open segment's last line, read while the committer writes it
                    }
                    ids.merge(line.substring(at + 6, end), 1, Integer::sum);
                }
            }
        }
        return ids;
    }

    /** Runs the executable to the end; returns exit code, stdout, stderr. */
    record Result(int code, String out, String err) {
    }

    static Result run(Path stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(Path.of("target").toAbsolutePath(), "out", ".txt");
        Path err = Files.createTempFile(Path.of("target").toAbsolutePath(), "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.from(stdin.toFile()));
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timeout: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Process start(Path stdin, Path stdout, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(stdout.resolveSibling(stdout.getFileName() + ".err").toFile()));
        pb.redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new java.io.File("/dev/null")) : ProcessBuilder.Redirect.from(stdin.toFile()));
        return pb.start();
    }

    static void signal(Process p, String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
    }

    static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }
}
