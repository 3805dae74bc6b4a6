package io.flywheel.journal;

import java.nio.charset.StandardCharsets;

/**
 * A segment line: {@code {"seq":N,"ts":"2026-11-24T09:31:02.123Z","src":"stdin","event":<original bytes>}\n}.
 * The original event comes last and is copied byte for byte, so a reader can cut it out without re-encoding; the
 * fixed prefix lets recovery and shipping read the sequence and time without a JSON parser.
 */
public final class Envelope {
    static final byte[] SEQ = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TS = ",\"ts\":\"".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SRC = "\",\"src\":".getBytes(StandardCharsets.US_ASCII);
    static final byte[] EVENT = ",\"event\":".getBytes(StandardCharsets.US_ASCII);
    /** Length of {@code 2026-11-24T09:31:02.123Z}. */
    public static final int TS_LEN = 24;

    private Envelope() {
    }

    /** Upper bound of the bytes {@link #encode} writes around an event of {@code eventLen} bytes. */
    public static int maxSize(int sourceJsonLen, int eventLen) {
        return SEQ.length + 20 + TS.length + TS_LEN + SRC.length + sourceJsonLen + EVENT.length + eventLen + 2;
    }

    /** As {@link #encode(byte[], int, SequenceText, byte[], byte[], byte[], int, int)}, for one-off envelopes. */
    public static int encode(byte[] out, int pos, long seq, byte[] ts, byte[] sourceJson,
                             byte[] event, int eventOff, int eventLen) {
        return encode(out, pos, new SequenceText(seq), ts, sourceJson, event, eventOff, eventLen);
    }

    /**
     * Writes one envelope line at {@code pos} of {@code out} (which must have {@link #maxSize} room) and returns the
     * new position; {@code seq} holds the sequence number's digits. {@code ts} is the 24 ASCII bytes of the receive time, {@code sourceJson} the source as a JSON
     * string literal, quotes included.
     */
    static int encode(byte[] out, int pos, SequenceText seq, byte[] ts, byte[] sourceJson,
                      byte[] event, int eventOff, int eventLen) {
        System.arraycopy(SEQ, 0, out, pos, SEQ.length);
        pos += SEQ.length;
        System.arraycopy(seq.digits, seq.start, out, pos, seq.length());
        pos += seq.length();
        System.arraycopy(TS, 0, out, pos, TS.length);
        pos += TS.length;
        System.arraycopy(ts, 0, out, pos, TS_LEN);
        pos += TS_LEN;
        System.arraycopy(SRC, 0, out, pos, SRC.length);
        pos += SRC.length;
        System.arraycopy(sourceJson, 0, out, pos, sourceJson.length);
        pos += sourceJson.length;
        System.arraycopy(EVENT, 0, out, pos, EVENT.length);
        pos += EVENT.length;
        System.arraycopy(event, eventOff, out, pos, eventLen);
        pos += eventLen;
        out[pos++] = '}';
        out[pos++] = '\n';
        return pos;
    }

    /** The sequence number of an envelope line starting at {@code off}, or -1 when the prefix is not an envelope. */
    public static long readSeq(byte[] line, int off, int len) {
        if (len < SEQ.length + 1) {
            return -1;
        }
        for (int i = 0; i < SEQ.length; i++) {
            if (line[off + i] != SEQ[i]) {
                return -1;
            }
        }
        long v = 0;
        int i = off + SEQ.length;
        int end = off + len;
        int start = i;
        while (i < end && line[i] >= '0' && line[i] <= '9') {
            if (i - start >= 19) {
                return -1;
            }
            v = v * 10 + (line[i] - '0');
            i++;
        }
        if (i == start || i >= end || line[i] != ',') {
            return -1;
        }
        return v;
    }

    /** The receive time (24 ASCII bytes) of an envelope line, or null when the prefix is not an envelope. */
    public static String readTimestamp(byte[] line, int off, int len) {
        int i = off + SEQ.length;
        int end = off + len;
        while (i < end && line[i] >= '0' && line[i] <= '9') {
            i++;
        }
        if (i + TS.length + TS_LEN > end) {
            return null;
        }
        for (int k = 0; k < TS.length; k++) {
            if (line[i + k] != TS[k]) {
                return null;
            }
        }
        return new String(line, i + TS.length, TS_LEN, StandardCharsets.US_ASCII);
    }
}
