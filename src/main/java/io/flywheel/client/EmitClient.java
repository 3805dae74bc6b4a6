package io.flywheel.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Sends NDJSON to a flywheel socket and waits for every ack. The calling thread copies input to the socket in big
 * buffers (never waiting for acks: the server's flow control bounds what is in flight); a second thread reads acks
 * and reject notices. The result says how many lines were sent, how long a prefix of them is safe, how many were
 * rejected, and why it stopped early if it did.
 */
public final class EmitClient {

    /** The outcome; {@code acked} lines from the start of input are safe even when {@code error} is set. */
    public record Summary(long sent, long acked, long rejected, String error) {
        public boolean ok() {
            return error == null && rejected == 0 && acked == sent;
        }

        public String json() {
            return "{\"sent\":" + sent + ",\"acked\":" + acked + ",\"rejected\":" + rejected + "}";
        }
    }

    private final Path socket;
    private final PrintStream err;
    private volatile long acked;
    private volatile long rejected;
    private volatile String serverError;

    public EmitClient(Path socket, PrintStream err) {
        this.socket = socket;
        this.err = err;
    }

    public Summary emit(InputStream in) {
        SocketChannel ch;
        try {
            ch = Sockets.connect(socket);
        } catch (IOException e) {
            return new Summary(0, 0, 0, e.getMessage());
        }
        long sent = 0;
        String error = null;
        Thread ackReader = Thread.ofPlatform().name("flywheel-emit-acks").daemon().start(() -> readAcks(ch));
        try (ch) {
            byte[] buf = new byte[256 * 1024];
            boolean endsWithNewline = true;
            long lines = 0;
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                if (n == 0) {
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
                endsWithNewline = buf[n - 1] == '\n';
                try {
                    writeFully(ch, buf, n);
                } catch (IOException e) {
                    error = "server closed the connection while sending (" + e.getMessage() + ")";
                    break;
                }
                sent = lines;
            }
            if (error == null && !endsWithNewline) {
                // the server frames a last line without line end the same way; send the end so the count is exact
                try {
                    writeFully(ch, new byte[] {'\n'}, 1);
                    lines++;
                    sent = lines;
                } catch (IOException e) {
                    error = "server closed the connection while sending (" + e.getMessage() + ")";
                }
            }
            try {
                ch.shutdownOutput(); // end of input: the server acks the rest, then closes
            } catch (IOException ignored) {
                // the server is gone; the ack reader sees it
            }
            ackReader.join();
        } catch (IOException e) {
            error = "reading input failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        if (serverError != null) {
            error = "server: " + serverError;
        } else if (error == null && acked < sent) {
            error = "server closed the connection after acking " + acked + " of " + sent + " lines";
        }
        return new Summary(sent, acked, rejected, error);
    }

    private static void writeFully(SocketChannel ch, byte[] buf, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private void readAcks(SocketChannel ch) {
        try {
            new LineReader(Channels.newInputStream(ch)).forEach((buf, off, len) -> {
                switch (ServerLine.parse(buf, off, len)) {
                    case ServerLine.Ack a -> acked = a.lines();
                    case ServerLine.Rejected r -> {
                        rejected++;
                        err.println("flywheel emit: line " + r.line() + " rejected: " + r.reason());
                    }
                    case ServerLine.Error e -> serverError = e.message();
                    case ServerLine.Subscribed s -> {
                    }
                    case ServerLine.Unknown u -> err.println("flywheel emit: unexpected from server: " + u.text());
                }
            });
        } catch (IOException e) {
            // connection reset: the server went away; acked says what is safe
        }
    }
}
