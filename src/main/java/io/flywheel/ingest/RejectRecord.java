package io.flywheel.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flywheel.event.Utf8;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A line of {@code rejected/*.jsonl}: why, from where, which line and byte offset, and the original - as a string
 * when it is UTF-8, base64 otherwise, only its head for a line over the size limit.
 */
public final class RejectRecord {
    private static final JsonFactory JSON = new JsonFactory();

    private RejectRecord() {
    }

    /** The fields every reject record starts with, in this order. */
    private static void writeHead(JsonGenerator g, String source, long line, long offset, String reason, long bytes)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("ts", Instant.now().toString());
        g.writeStringField("src", source);
        g.writeNumberField("line", line);
        g.writeNumberField("offset", offset);
        g.writeStringField("reason", reason);
        g.writeNumberField("bytes", bytes);
    }

    public static byte[] encode(String source, long lineNo, long offset, String reason,
                                byte[] original, int off, int len, long totalLen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeHead(g, source, lineNo, offset, reason, totalLen);
            if (totalLen > len) {
                g.writeBooleanField("truncated", true);
            }
            int keep = len;
            // JSON escapes a control byte as six (\u0001): past the size of base64 a line of them is kept as base64,
            // so that a record never grows to several times the line it keeps
            if (Utf8.firstInvalid(original, off, len) == Utf8.OK && escapedLength(original, off, len) <= base64Length(len)) {
                g.writeStringField("original", new String(original, off, keep, StandardCharsets.UTF_8));
            } else {
                g.writeFieldName("original_base64");
                g.writeBinary(Arrays.copyOfRange(original, off, off + keep));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * One record for {@code count} rejected lines in a row with the same reason (lines {@code firstLine} to
     * {@code lastLine}, {@code bytes} in all), without their originals: an input repeating one mistake costs one
     * record instead of a hundred times its size.
     */
    public static byte[] repeated(String source, long firstLine, long firstOffset, long lastLine, long count,
                                  String reason, long bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            writeHead(g, source, firstLine, firstOffset, reason, bytes);
            g.writeNumberField("repeated", count);
            g.writeNumberField("last_line", lastLine);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    /** An upper bound of the memory {@link #encode} needs for an original of {@code len} bytes. */
    public static long encodingBytes(int len) {
        return 4L * len + 1024;
    }

    private static long base64Length(int len) {
        return 4L * ((len + 2) / 3);
    }

    private static long escapedLength(byte[] b, int off, int len) {
        long n = len;
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c >= 0 && c < 0x20) {
                n += 5;
            } else if (c == '"' || c == '\\') {
                n += 1;
            }
        }
        return n;
    }
}
