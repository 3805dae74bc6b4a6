package io.flywheel.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * A tap's output: lines gathered in one direct buffer and written to the socket when it is full or flushed. A
 * socket write from a heap array first copies it into a direct buffer of the JDK's; gathering the lines here makes
 * that the only copy, with no lock per write as a {@code BufferedOutputStream} takes. One thread at a time.
 */
final class TapOutput {
    private static final int SIZE = 64 * 1024;

    private final WritableByteChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(SIZE);

    TapOutput(WritableByteChannel channel) {
        this.channel = channel;
    }

    /** {@code line} and a line feed. */
    void line(byte[] line) throws IOException {
        if (line.length >= buf.remaining()) {
            flush();
            if (line.length >= SIZE) {
                writeFully(ByteBuffer.wrap(line)); // a line bigger than the buffer goes as it is
                buf.put((byte) '\n');
                return;
            }
        }
        buf.put(line).put((byte) '\n');
    }

    /** Bytes that are part of a line (no line feed added). */
    void write(byte[] bytes) throws IOException {
        if (bytes.length > buf.remaining()) {
            flush();
            if (bytes.length > SIZE) {
                writeFully(ByteBuffer.wrap(bytes));
                return;
            }
        }
        buf.put(bytes);
    }

    void lagged(long missed) throws IOException {
        line(("{\"lagged\":" + missed + "}").getBytes(StandardCharsets.US_ASCII));
    }

    void flush() throws IOException {
        buf.flip();
        try {
            writeFully(buf);
        } finally {
            buf.clear();
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b); // blocking channel: returns once some bytes went
        }
    }
}
