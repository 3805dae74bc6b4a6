package io.flywheel.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fake systemd notification socket: a real Unix datagram socket (bound by python3, as the JDK has no datagram
 * Unix sockets) whose messages are collected with the time they arrived here, newlines shown as {@code |}.
 */
public final class NotifyListener implements AutoCloseable {
    /** One notification and when the test saw it ({@link System#nanoTime()}). */
    public record Message(long nanos, String text) {
    }

    private final Path socket;
    private final Process python;
    private final Thread collector;
    private final List<Message> got = new ArrayList<>();

    private NotifyListener(Path socket, Process python, BufferedReader out) {
        this.socket = socket;
        this.python = python;
        this.collector = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String l; (l = out.readLine()) != null; ) {
                    synchronized (got) {
                        got.add(new Message(System.nanoTime(), l));
                    }
                }
            } catch (IOException ignored) {
                // listener killed
            }
        });
    }

    public static NotifyListener start(Path dir) throws IOException {
        Path sock = dir.resolve("notify.sock");
        Path script = dir.resolve("notify-listen.py");
        Files.writeString(script, """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1])
                print("BOUND", flush=True)
                while True:
                    d = s.recv(65536).decode()
                    print(d.replace("\\n", "|"), flush=True)
                """);
        Process py = new ProcessBuilder("python3", script.toString(), sock.toString()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(py.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (!"BOUND".equals(first)) {
            py.destroy();
            throw new IllegalStateException("notify listener did not start: " + first);
        }
        return new NotifyListener(sock, py, out);
    }

    public Path socket() {
        return socket;
    }

    public List<Message> messages() {
        synchronized (got) {
            return List.copyOf(got);
        }
    }

    @Override
    public void close() throws InterruptedException {
        python.destroy();
        python.waitFor(5, TimeUnit.SECONDS);
        collector.join(5000);
    }
}
