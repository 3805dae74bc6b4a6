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

    public static byte[] encode(String source, long lineNo, long offset, String reason,
                                byte[] original, int off, int len, long totalLen) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.now().toString());
            g.writeStringField("src", source);
            g.writeNumberField("line", lineNo);
            g.writeNumberField("offset", offset);
            g.writeStringField("reason", reason);
            g.writeNumberField("bytes", totalLen);
            if (totalLen > len) {
                g.writeBooleanField("truncated", true);
            }
            int keep = len;
            if (Utf8.firstInvalid(original, off, len) == Utf8.OK) {
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
}
