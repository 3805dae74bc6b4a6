package io.flywheel.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Asks a running server for its status: one request line, the answer until the server closes. */
public final class StatusClient {
    private StatusClient() {
    }

    public static String ask(Path socket, boolean json) throws IOException {
        try (SocketChannel ch = Sockets.connect(socket)) {
            ch.write(ByteBuffer.wrap(("{\"status\":\"" + (json ? "json" : "table") + "\"}\n").getBytes(StandardCharsets.US_ASCII)));
            InputStream in = Channels.newInputStream(ch);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
