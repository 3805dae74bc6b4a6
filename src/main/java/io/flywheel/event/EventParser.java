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
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(1000).maxNumberLength(10_000).build())
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
            String type = null;
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
            if (p.nextToken() != null) {
                error = "trailing data after the JSON object";
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
        } catch (JsonProcessingException e) {
            error = "malformed JSON: " + e.getOriginalMessage();
            return null;
        } catch (IOException e) {
            error = "unreadable JSON: " + e.getMessage();
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
