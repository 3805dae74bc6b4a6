package io.flywheel.journal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/** Checks that a segment line is a whole envelope as {@link Envelope} writes it: seq, ts, src, event, in that order. */
public final class EnvelopeCheck {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(1000).maxNumberLength(10_000).build())
            .build();

    private EnvelopeCheck() {
    }

    /** Null when the line is a valid envelope, otherwise what is wrong with it. */
    public static String problem(byte[] b, int off, int len) {
        if (Envelope.readSeq(b, off, len) < 0) {
            return "does not start with an envelope {\"seq\":N,...}";
        }
        try (JsonParser p = JSON.createParser(b, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return "not a JSON object";
            }
            if (!field(p, "seq") || p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                return "no numeric seq";
            }
            if (!field(p, "ts") || p.nextToken() != JsonToken.VALUE_STRING || p.getTextLength() != Envelope.TS_LEN) {
                return "no ts";
            }
            if (!field(p, "src") || p.nextToken() != JsonToken.VALUE_STRING) {
                return "no src";
            }
            if (!field(p, "event") || p.nextToken() != JsonToken.START_OBJECT) {
                return "no event object";
            }
            p.skipChildren();
            if (p.nextToken() != JsonToken.END_OBJECT) {
                return "unexpected field after event";
            }
            if (p.nextToken() != null) {
                return "trailing data";
            }
            return null;
        } catch (JsonProcessingException e) {
            return "malformed JSON: " + e.getOriginalMessage();
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static boolean field(JsonParser p, String name) throws IOException {
        return p.nextToken() == JsonToken.FIELD_NAME && name.equals(p.currentName());
    }
}
