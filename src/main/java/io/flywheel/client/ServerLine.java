package io.flywheel.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** One line the server wrote back: an ack, a reject notice, a subscription confirmation or an error. */
public sealed interface ServerLine {
    JsonFactory JSON = new JsonFactory();

    record Ack(long lines) implements ServerLine {
    }

    record Rejected(long line, String reason) implements ServerLine {
    }

    record Subscribed() implements ServerLine {
    }

    record Error(String message) implements ServerLine {
    }

    record Unknown(String text) implements ServerLine {
    }

    static ServerLine parse(byte[] buf, int off, int len) {
        long ack = -1;
        long rejected = -1;
        String reason = null;
        String error = null;
        boolean subscribed = false;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return unknown(buf, off, len);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ack" -> ack = p.getLongValue();
                    case "rejected" -> rejected = p.getLongValue();
                    case "reason" -> reason = p.getText();
                    case "error" -> error = p.getText();
                    case "subscribed" -> subscribed = t == JsonToken.VALUE_TRUE;
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return unknown(buf, off, len);
        }
        if (ack >= 0) {
            return new Ack(ack);
        }
        if (rejected >= 0) {
            return new Rejected(rejected, reason);
        }
        if (error != null) {
            return new Error(error);
        }
        if (subscribed) {
            return new Subscribed();
        }
        return unknown(buf, off, len);
    }

    private static ServerLine unknown(byte[] buf, int off, int len) {
        return new Unknown(new String(buf, off, len, java.nio.charset.StandardCharsets.UTF_8));
    }
}
