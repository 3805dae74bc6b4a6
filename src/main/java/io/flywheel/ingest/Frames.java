package io.flywheel.ingest;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The lines the server writes on a connection (see README "Socket protocol"). */
public final class Frames {
    private Frames() {
    }

    public static void ack(ByteArrayOutputStream out, long lines) {
        ascii(out, "{\"ack\":" + lines + "}\n");
    }

    public static void rejected(ByteArrayOutputStream out, long line, String reason) {
        ascii(out, "{\"rejected\":" + line + ",\"reason\":\"");
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(reason));
        ascii(out, "\"}\n");
    }

    public static byte[] error(String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ascii(out, "{\"error\":\"");
        out.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(message));
        ascii(out, "\"}\n");
        return out.toByteArray();
    }

    public static final byte[] SUBSCRIBED = "{\"subscribed\":true}\n".getBytes(StandardCharsets.US_ASCII);

    private static void ascii(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
