package io.flywheel.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.flywheel.event.Swar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What a segment held when it was sealed: SHA-256 and length of its bytes, its line count and first/last sequence,
 * and the MD5 of each {@code md5PartSize} slice - the Content-MD5s of an upload in parts of that size, from which
 * the object's ETag is known without reading the segment again - and the CRC32C of each part, against which the
 * shipper checks the bytes as it sends them (none of these when {@code md5PartSize} is 0, as in records written
 * before they were).
 * Kept beside the segment as {@code <segment>.jsonl.seal} (one JSON line) and written before the sealed name exists,
 * so that every shippable segment has one (except segments sealed by versions before 0.2). The shipper and
 * {@code flywheel verify} compare the bytes on disk against it: rot between sealing and shipping is caught instead
 * of being uploaded with a matching hash computed at ship time.
 */
public record SealRecord(String sha256, long length, long events, long firstSeq, long lastSeq, long md5PartSize,
                         List<String> md5Parts, List<String> crc32cParts) {
    public static final String SUFFIX = ".seal";
    private static final JsonFactory JSON = new JsonFactory();

    public SealRecord {
        md5Parts = List.copyOf(md5Parts);
        crc32cParts = List.copyOf(crc32cParts);
    }

    public SealRecord(String sha256, long length, long events, long firstSeq, long lastSeq) {
        this(sha256, length, events, firstSeq, lastSeq, 0, List.of(), List.of());
    }

    /**
     * Whether the recorded part MD5s and CRC32Cs are those of an upload in {@code partSize} parts. Parts of another
     * size fit only when both sizes hold the whole segment in one part.
     */
    public boolean hasPartsFor(long partSize) {
        return !md5Parts.isEmpty() && (partSize == md5PartSize || (length <= partSize && length <= md5PartSize));
    }

    public static Path pathFor(Path segment) {
        return segment.resolveSibling(segment.getFileName() + SUFFIX);
    }

    public byte[] toBytes() {
        StringBuilder b = new StringBuilder("{\"sha256\":\"").append(sha256).append("\",\"length\":").append(length)
                .append(",\"events\":").append(events).append(",\"first_seq\":").append(firstSeq)
                .append(",\"last_seq\":").append(lastSeq);
        if (!md5Parts.isEmpty()) {
            b.append(",\"md5_part_size\":").append(md5PartSize);
            appendList(b, "md5_parts", md5Parts);
            appendList(b, "crc32c_parts", crc32cParts);
        }
        return b.append("}\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void appendList(StringBuilder b, String name, List<String> values) {
        b.append(",\"").append(name).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "\"" : ",\"").append(values.get(i)).append('"');
        }
        b.append(']');
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
        long length = -1, events = -1, first = -1, last = -1, partSize = 0;
        List<String> md5s = new ArrayList<>();
        List<String> crcs = new ArrayList<>();
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
                    case "md5_part_size" -> partSize = jp.getValueAsLong(-1);
                    case "md5_parts" -> readList(jp, p, f, md5s);
                    case "crc32c_parts" -> readList(jp, p, f, crcs);
                    default -> jp.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(p + " is damaged: " + e.getOriginalMessage(), e);
        }
        if (sha == null || !sha.matches("[0-9a-f]{64}") || length < 0 || events < 0 || first < 0 || last < first) {
            throw new IOException(p + " is damaged: missing or invalid fields");
        }
        if (!md5s.isEmpty() && (partSize <= 0 || md5s.size() != partsOf(length, partSize) || crcs.size() != md5s.size()
                || !md5s.stream().allMatch(m -> m.matches("[0-9a-f]{32}"))
                || !crcs.stream().allMatch(m -> m.matches("[0-9a-f]{8}")))) {
            throw new IOException(p + " is damaged: md5_parts and crc32c_parts do not fit length and md5_part_size");
        }
        return Optional.of(new SealRecord(sha, length, events, first, last, md5s.isEmpty() ? 0 : partSize, md5s,
                md5s.isEmpty() ? List.of() : crcs));
    }

    private static void readList(JsonParser jp, Path p, String field, List<String> into) throws IOException {
        if (jp.currentToken() != JsonToken.START_ARRAY) {
            throw new IOException(p + " is damaged: " + field + " is not a list");
        }
        while (jp.nextToken() == JsonToken.VALUE_STRING) {
            into.add(jp.getText());
        }
    }

    /** Parts of {@code partSize} a segment of {@code length} bytes is uploaded in (an empty one is one part). */
    static long partsOf(long length, long partSize) {
        return Math.max(1, (length + partSize - 1) / partSize);
    }

    /** Reads {@code segment} once: for segments sealed by recovery, and by older versions that wrote no record. */
    public static SealRecord compute(Path segment) throws IOException {
        return compute(segment, 0);
    }

    /** As {@link #compute(Path)}, with the part MD5s for {@code md5PartSize} (none when 0). */
    public static SealRecord compute(Path segment, long md5PartSize) throws IOException {
        Hasher h = new Hasher(md5PartSize);
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

    /** SHA-256, length, line count and part MD5s and CRC32Cs of bytes as they are appended. */
    static final class Hasher {
        private final MessageDigest sha = newSha256();
        private final PartHashes parts; // null: no part checksums
        private long length;
        private long lines;
        private int lastByte = '\n';

        /** @param md5PartSize size of the parts whose MD5s are recorded; 0 for none */
        Hasher(long md5PartSize) {
            this.parts = md5PartSize > 0 ? new PartHashes(md5PartSize, true, null) : null;
        }

        void update(byte[] b, int off, int len) {
            if (len <= 0) {
                return;
            }
            sha.update(b, off, len);
            if (parts != null) {
                parts.update(b, off, len);
            }
            lines += Swar.countNewlines(b, off, off + len);
            length += len;
            lastByte = b[off + len - 1];
        }

        SealRecord finish(long firstSeq, long lastSeq) {
            long events = lines + (lastByte == '\n' ? 0 : 1);
            if (parts == null) {
                return new SealRecord(HexFormat.of().formatHex(sha.digest()), length, events, firstSeq, lastSeq, 0,
                        List.of(), List.of());
            }
            parts.finish();
            return new SealRecord(HexFormat.of().formatHex(sha.digest()), length, events, firstSeq, lastSeq,
                    parts.partSize(), parts.md5s().stream().map(HexFormat.of()::formatHex).toList(),
                    parts.crc32cs().stream().map(SealRecord::crc32cHex).toList());
        }
    }

    /** A CRC32C as the record keeps it: eight lower-case hex digits. */
    public static String crc32cHex(long crc) {
        return HexFormat.of().toHexDigits((int) crc);
    }

    static MessageDigest newSha256() {
        return PartHashes.newDigest("SHA-256");
    }
}
