package io.flywheel.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a segment held when it was sealed: SHA-256 and length of its bytes, its line count and first/last sequence.
 * Kept beside the segment as {@code <segment>.jsonl.seal} (one JSON line) and written before the sealed name exists,
 * so that every shippable segment has one (except segments sealed by versions before 0.2). The shipper and
 * {@code flywheel verify} compare the bytes on disk against it: rot between sealing and shipping is caught instead
 * of being uploaded with a matching hash computed at ship time.
 */
public record SealRecord(String sha256, long length, long events, long firstSeq, long lastSeq) {
    public static final String SUFFIX = ".seal";
    private static final JsonFactory JSON = new JsonFactory();

    public static Path pathFor(Path segment) {
        return segment.resolveSibling(segment.getFileName() + SUFFIX);
    }

    public byte[] toBytes() {
        return ("{\"sha256\":\"" + sha256 + "\",\"length\":" + length + ",\"events\":" + events + ",\"first_seq\":"
                + firstSeq + ",\"last_seq\":" + lastSeq + "}\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The record beside {@code segment}, or empty when there is none (sealed by an older version).
     *
     * @throws IOException when it exists but cannot be read or parsed: it is only ever replaced atomically, so that
     *                     means damage, which must not pass for "no record"
     */
    public static Optional<SealRecord> read(Path segment) throws IOException {
        Path p = pathFor(segment);
        byte[] b;
        try {
            b = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String sha = null;
        long length = -1, events = -1, first = -1, last = -1;
        try (JsonParser jp = JSON.createParser(b)) {
            if (jp.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(p + " is not a seal record");
            }
            while (jp.nextToken() == JsonToken.FIELD_NAME) {
                String f = jp.currentName();
                jp.nextToken();
                switch (f) {
                    case "sha256" -> sha = jp.getValueAsString();
                    case "length" -> length = jp.getValueAsLong(-1);
                    case "events" -> events = jp.getValueAsLong(-1);
                    case "first_seq" -> first = jp.getValueAsLong(-1);
                    case "last_seq" -> last = jp.getValueAsLong(-1);
                    default -> jp.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(p + " is damaged: " + e.getOriginalMessage(), e);
        }
        if (sha == null || !sha.matches("[0-9a-f]{64}") || length < 0 || events < 0 || first < 0 || last < first) {
            throw new IOException(p + " is damaged: missing or invalid fields");
        }
        return Optional.of(new SealRecord(sha, length, events, first, last));
    }

    /** Reads {@code segment} once: for segments sealed by recovery, and by older versions that wrote no record. */
    public static SealRecord compute(Path segment) throws IOException {
        Hasher h = new Hasher();
        try (InputStream in = Files.newInputStream(segment)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                h.update(buf, 0, n);
            }
        }
        long first = SegmentReader.seqAt(segment, 0);
        long last = SegmentReader.lastSeq(segment);
        return h.finish(first, last);
    }

    /** SHA-256, length and line count of bytes as they are appended. */
    static final class Hasher {
        private final MessageDigest sha = newSha256();
        private long length;
        private long lines;
        private int lastByte = '\n';

        void update(byte[] b, int off, int len) {
            if (len <= 0) {
                return;
            }
            sha.update(b, off, len);
            for (int i = off, end = off + len; i < end; i++) {
                if (b[i] == '\n') {
                    lines++;
                }
            }
            length += len;
            lastByte = b[off + len - 1];
        }

        SealRecord finish(long firstSeq, long lastSeq) {
            long events = lines + (lastByte == '\n' ? 0 : 1);
            return new SealRecord(HexFormat.of().formatHex(sha.digest()), length, events, firstSeq, lastSeq);
        }
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 not available", e);
        }
    }
}
