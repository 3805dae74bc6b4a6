package io.flywheel.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Subscribes to a flywheel socket and copies the live NDJSON stream to {@code out}. The server keeps a bounded ring
 * per tap: a tap that falls behind gets {@code {"lagged":N}} and goes on with newer events, it never slows producers.
 */
public final class TapClient {
    private TapClient() {
    }

    /** What a tap asks for; {@code fromSeq} -1 and {@code name} null when not given. */
    public record Request(List<String> types, boolean durableOnly, boolean committedOnly, long fromSeq, String name,
                          boolean envelope) {
    }

    /** The request line, with the JSON string escaping done by Jackson. */
    public static byte[] request(List<String> types, boolean durableOnly) {
        return request(new Request(types, durableOnly, false, -1, null, false));
    }

    public static byte[] request(Request r) {
        var enc = com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();
        StringBuilder sb = new StringBuilder("{\"tap\":{\"types\":[");
        for (int i = 0; i < r.types().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append('"').append(enc.quoteAsString(r.types().get(i))).append('"');
        }
        sb.append("],\"durable_only\":").append(r.durableOnly());
        if (r.committedOnly()) {
            sb.append(",\"committed_only\":true");
        }
        if (r.fromSeq() > 0) {
            sb.append(",\"from_seq\":").append(r.fromSeq());
        }
        if (r.name() != null) {
            sb.append(",\"name\":\"").append(enc.quoteAsString(r.name())).append('"');
        }
        if (r.envelope()) {
            sb.append(",\"envelope\":true");
        }
        sb.append("}}\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Streams until the server ends the stream. Returns null on a normal end, or why it failed.
     * {@code onSubscribed} runs once the server confirmed the subscription.
     */
    public static String tap(Path socket, List<String> types, boolean durableOnly, OutputStream out, Runnable onSubscribed) {
        return tap(socket, new Request(types, durableOnly, false, -1, null, false), out, onSubscribed);
    }

    public static String tap(Path socket, Request request, OutputStream out, Runnable onSubscribed) {
        try (SocketChannel ch = Sockets.connect(socket)) {
            ByteBuffer req = ByteBuffer.wrap(request(request));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            InputStream in = Channels.newInputStream(ch);
            String first = readFirstLine(in);
            if (first == null) {
                return "the server closed the connection";
            }
            byte[] fb = first.getBytes(StandardCharsets.UTF_8);
            switch (ServerLine.parse(fb, 0, fb.length)) {
                case ServerLine.Subscribed s -> onSubscribed.run();
                case ServerLine.Error e -> {
                    return "server: " + e.message();
                }
                default -> {
                    return "unexpected answer from server: " + first;
                }
            }
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                try {
                    out.write(buf, 0, n);
                    out.flush();
                } catch (IOException e) {
                    return null; // our reader went away (tap | head): a normal end
                }
            }
            return null;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** Reads byte by byte up to the first line end, so nothing after it is consumed. */
    private static String readFirstLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (line.size() > 64 * 1024) {
                throw new IOException("answer line too long");
            }
            line.write(b);
        }
        return null;
    }
}
