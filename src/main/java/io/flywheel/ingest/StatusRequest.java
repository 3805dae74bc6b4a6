package io.flywheel.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * A connection whose first line is {@code {"status":"json"}} or {@code {"status":"table"}} asks for the running
 * server's status; the answer is written and the connection closed.
 */
final class StatusRequest {
    private static final JsonFactory JSON = new JsonFactory();

    private StatusRequest() {
    }

    /** "json" or "table" when the line is a status request, else null (then it is an ordinary event line). */
    static String parse(byte[] buf, int off, int len) {
        if (len > 64 || len < 12 || buf[off] != '{') {
            return null;
        }
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME
                    || !"status".equals(p.currentName()) || p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            String format = p.getText();
            if (p.nextToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            return "json".equals(format) || "table".equals(format) ? format : null;
        } catch (IOException e) {
            return null;
        }
    }
}
