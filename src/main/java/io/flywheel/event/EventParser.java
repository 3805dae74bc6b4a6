package io.flywheel.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.Arrays;

/**
 * Validates one input line and finds its {@code type}, with Jackson's streaming parser (no object tree): the line
 * must be strict UTF-8 without NUL, exactly one JSON object, with one top-level string field {@code type}.
 * Not thread-safe: one per reader.
 */
public final class EventParser {
    /**
     * One level below Jackson's default limit of 1000: the journal wraps each event in an envelope object, and a
     * segment line must stay readable by a consumer's default parser (and by recovery, which uses this parser).
     */
    public static final int MAX_NESTING_DEPTH = 999;
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(MAX_NESTING_DEPTH).maxNumberLength(10_000).build())
            .build();

    private final String[] typeCache = new String[256];
    private final char[][] typeChars = new char[256][];
    private String error;

    /** The event's type, or null when the line is rejected; then {@link #error()} says why. */
    public String parse(byte[] buf, int off, int len) {
        error = null;
        int bad = Utf8.firstInvalid(buf, off, len);
        if (bad != Utf8.OK) {
            error = buf[off + bad] == 0 ? "NUL byte at column " + (bad + 1) : "invalid UTF-8 at byte " + (bad + 1);
            return null;
        }
        if (len >= 3 && buf[off] == (byte) 0xEF && buf[off + 1] == (byte) 0xBB && buf[off + 2] == (byte) 0xBF) {
            // Jackson skips a byte order mark at the start of its input, but inside an envelope it is not JSON
            error = "byte order mark (U+FEFF) before the object";
            return null;
        }
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                error = "empty line";
                return null;
            }
            if (t != JsonToken.START_OBJECT) {
                error = "not a JSON object (starts with " + describe(t) + ")";
                return null;
            }
            String type = readBody(p);
            if (type == null) {
                return null;
            }
            if (p.nextToken() != null) {
                error = "trailing data after the JSON object";
                return null;
            }
            return type;
        } catch (JsonProcessingException e) {
            error = "malformed JSON: " + e.getOriginalMessage();
            return null;
        } catch (IOException e) {
            error = "unreadable JSON: " + e.getMessage();
            return null;
        }
    }

    /**
     * Reads an object's fields after its START_OBJECT through its END_OBJECT and returns the top-level string
     * {@code type}, or null (with {@link #error}) when it is missing, duplicated, empty or not a string.
     */
    private String readBody(JsonParser p) throws IOException {
        String type = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            boolean isType = "type".equals(p.currentName());
            t = p.nextToken();
            if (isType) {
                if (type != null) {
                    error = "duplicate \"type\" field";
                    return null;
                }
                if (t != JsonToken.VALUE_STRING) {
                    error = "\"type\" is " + describe(t) + ", not a string";
                    return null;
                }
                type = canonical(p);
            } else if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            error = "malformed JSON: unexpected " + describe(t);
            return null;
        }
        if (type == null) {
            error = "missing \"type\" field";
            return null;
        }
        if (type.isEmpty()) {
            error = "empty \"type\"";
            return null;
        }
        return type;
    }

    /**
     * Parses a block of complete lines with one Jackson parser instead of one per line (creating a parser costs
     * more than parsing a short event). Line {@code i} spans from the end of line {@code i-1} (or {@code first}) to
     * {@code ends[i]}, the index of its {@code \n}; a {@code \r} before it is not part of the line. A line takes
     * this fast path only when it is valid UTF-8 and exactly one object from its first to its last byte; anything
     * else - including every error - is parsed again on its own by {@link #parse}, so results and reasons are the
     * same as line by line. Fills {@code types[i]} (null when rejected) and {@code errors[i]}.
     */
    public void parseBlock(byte[] buf, int first, int[] ends, int count, String[] types, String[] errors) {
        JsonParser p = null;
        int base = 0;
        int s = first;
        try {
            for (int i = 0; i < count; i++) {
                int e = ends[i];
                int ce = e > s && buf[e - 1] == '\r' ? e - 1 : e;
                String type = null;
                if (ce > s && buf[s] == '{' && Utf8.firstInvalid(buf, s, ce - s) == Utf8.OK) {
                    if (p == null) {
                        base = s;
                        p = JSON.createParser(buf, s, ends[count - 1] - s);
                    }
                    type = objectSpanning(p, s - base, ce - base);
                    if (type == null) {
                        p.close();
                        p = null;
                    }
                }
                if (type == null) {
                    type = parse(buf, s, ce - s);
                }
                types[i] = type;
                errors[i] = type == null ? error : null;
                s = e + 1;
            }
        } catch (IOException e) {
            throw new IllegalStateException("closing a parser over a byte array cannot fail", e);
        } finally {
            if (p != null) {
                try {
                    p.close();
                } catch (IOException ignored) {
                    // nothing was opened
                }
            }
        }
    }

    /** The next root object's type when it spans exactly {@code [from, to)} of the parser's input, else null. */
    private String objectSpanning(JsonParser p, long from, long to) {
        try {
            if (p.nextToken() != JsonToken.START_OBJECT || p.currentTokenLocation().getByteOffset() != from) {
                return null;
            }
            String type = readBody(p);
            return type != null && p.currentLocation().getByteOffset() == to ? type : null;
        } catch (IOException e) {
            return null;
        }
    }

    public String error() {
        return error;
    }

    /** Types repeat endlessly: reuse one String per distinct type instead of allocating one per line. */
    private String canonical(JsonParser p) throws IOException {
        char[] chars = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        int h = 0;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + chars[i];
        }
        int slot = (h ^ (h >>> 16)) & (typeCache.length - 1);
        char[] known = typeChars[slot];
        if (known != null && Arrays.equals(known, 0, known.length, chars, off, off + len)) {
            return typeCache[slot];
        }
        String type = new String(chars, off, len);
        typeCache[slot] = type;
        typeChars[slot] = type.toCharArray();
        return type;
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }
}
