package io.flywheel.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Reads command output JSON in tests (streaming parser only). */
public final class Json {
    private Json() {
    }

    /** A JSON object flattened to dotted keys (numbers as Long, booleans, strings, null) - streaming parser only. */
    public static Map<String, Object> flat(String json) throws IOException {
        Map<String, Object> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object: " + json);
            }
            flatten(p, "", out);
        }
        return out;
    }

    private static void flatten(JsonParser p, String prefix, Map<String, Object> out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = prefix + p.currentName();
            JsonToken t = p.nextToken();
            switch (t) {
                case START_OBJECT -> flatten(p, key + ".", out);
                case VALUE_NUMBER_INT -> out.put(key, p.getLongValue());
                case VALUE_NUMBER_FLOAT -> out.put(key, p.getDoubleValue());
                case VALUE_TRUE, VALUE_FALSE -> out.put(key, p.getBooleanValue());
                case VALUE_NULL -> out.put(key, null);
                default -> out.put(key, p.getValueAsString());
            }
        }
    }
}
