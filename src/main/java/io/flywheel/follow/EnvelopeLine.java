package io.flywheel.follow;

import io.flywheel.journal.Envelope;
import java.nio.charset.StandardCharsets;

/**
 * Cuts the parts out of an envelope line {@code {"seq":N,"ts":"...","src":"...","event":<original>}} without a JSON
 * parser: the prefix is fixed and the original event is last, byte for byte.
 */
final class EnvelopeLine {
    private static final byte[] EVENT = ",\"event\":".getBytes(StandardCharsets.US_ASCII);

    private EnvelopeLine() {
    }

    /** Where the original event starts, or -1 when the line is not an envelope; it ends one byte before the line. */
    static int eventStart(byte[] b, int off, int len) {
        int end = off + len;
        int i = off + "{\"seq\":".length();
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        i += ",\"ts\":\"".length() + Envelope.TS_LEN + "\",\"src\":".length();
        if (i >= end || b[i] != '"') {
            return -1;
        }
        for (i++; i < end && b[i] != '"'; i++) {
            if (b[i] == '\\') {
                i++;
            }
        }
        i++;
        if (i + EVENT.length > end) {
            return -1;
        }
        for (int k = 0; k < EVENT.length; k++) {
            if (b[i + k] != EVENT[k]) {
                return -1;
            }
        }
        return i + EVENT.length;
    }

    /** The source (unescaped only for plain names, which is what inputs are called). */
    static String source(byte[] b, int off, int len) {
        int i = off + "{\"seq\":".length();
        while (i < off + len && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        i += ",\"ts\":\"".length() + Envelope.TS_LEN + "\",\"src\":".length() + 1;
        int s = i;
        while (i < off + len && b[i] != '"') {
            i += b[i] == '\\' ? 2 : 1;
        }
        return new String(b, s, Math.min(i, off + len) - s, StandardCharsets.UTF_8);
    }
}
