package io.flywheel.journal;

import io.flywheel.event.EventParser;
import io.flywheel.event.Utf8;

/**
 * The one definition of a valid segment line, shared by recovery and {@code verify}: the envelope prefix exactly as
 * {@link Envelope} writes it ({@code {"seq":N,"ts":"<24 chars>","src":<JSON string>,"event":}), then an event that
 * {@link EventParser} - the parser ingest validated it with - accepts, then {@code }}. So whatever ingest accepted
 * and the journal wrote, recovery keeps and verify passes. Not thread-safe: one per scan.
 */
public final class EnvelopeCheck {
    private final EventParser events = new EventParser();

    /** Null when the line (without its {@code \n}) is a valid envelope, otherwise what is wrong with it. */
    public String problem(byte[] b, int off, int len) {
        int end = off + len;
        if (Envelope.readSeq(b, off, len) < 0) {
            return "does not start with an envelope {\"seq\":N,...}";
        }
        int i = off + Envelope.SEQ.length;
        while (b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        if (!at(b, i, end, Envelope.TS) || !isTimestamp(b, i + Envelope.TS.length, end)) {
            return "no ts";
        }
        i += Envelope.TS.length + Envelope.TS_LEN;
        if (!at(b, i, end, Envelope.SRC)) {
            return "no src";
        }
        i += Envelope.SRC.length;
        int srcEnd = stringEnd(b, i, end);
        if (srcEnd < 0 || Utf8.firstInvalid(b, i, srcEnd - i) != Utf8.OK) {
            return "src is not a JSON string";
        }
        i = srcEnd;
        if (!at(b, i, end, Envelope.EVENT)) {
            return "no event";
        }
        i += Envelope.EVENT.length;
        if (b[end - 1] != '}' || end - 1 <= i) {
            return "envelope does not end with }";
        }
        if (events.parse(b, i, end - 1 - i) == null) {
            return "event: " + events.error();
        }
        return null;
    }

    private static boolean at(byte[] b, int i, int end, byte[] expected) {
        if (i + expected.length > end) {
            return false;
        }
        for (int k = 0; k < expected.length; k++) {
            if (b[i + k] != expected[k]) {
                return false;
            }
        }
        return true;
    }

    /** {@code 2026-11-24T09:31:02.123Z} */
    private static boolean isTimestamp(byte[] b, int i, int end) {
        if (i + Envelope.TS_LEN > end) {
            return false;
        }
        String shape = "dddd-dd-ddTdd:dd:dd.dddZ";
        for (int k = 0; k < Envelope.TS_LEN; k++) {
            char want = shape.charAt(k);
            byte c = b[i + k];
            if (want == 'd' ? c < '0' || c > '9' : c != want) {
                return false;
            }
        }
        return true;
    }

    /** The index after the JSON string starting at {@code i} (its closing quote included), or -1 when it is not one. */
    private static int stringEnd(byte[] b, int i, int end) {
        if (i >= end || b[i] != '"') {
            return -1;
        }
        for (int k = i + 1; k < end; k++) {
            byte c = b[k];
            if (c == '"') {
                return k + 1;
            }
            if (c >= 0 && c < 0x20) {
                return -1;
            }
            if (c == '\\') {
                if (k + 1 >= end) {
                    return -1;
                }
                byte e = b[++k];
                if (e == 'u') {
                    if (k + 4 >= end) {
                        return -1;
                    }
                    for (int h = 1; h <= 4; h++) {
                        if (Character.digit(b[k + h], 16) < 0) {
                            return -1;
                        }
                    }
                    k += 4;
                } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
