package io.flywheel.event;

/** Strict UTF-8 validation (no overlongs, no surrogates, nothing above U+10FFFF) that also finds NUL bytes. */
public final class Utf8 {
    /** The line is valid UTF-8 without NUL bytes. */
    public static final int OK = -1;

    private Utf8() {
    }

    /**
     * Returns {@link #OK}, or the offset (relative to {@code off}) of the first bad byte: a NUL byte there means the
     * line holds NUL, anything else means it is not UTF-8.
     */
    public static int firstInvalid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            i = Swar.skipPlainAscii(b, i, end);
            if (i >= end) {
                break;
            }
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                if (c == 0) {
                    return i - off;
                }
                i++;
                continue;
            }
            int need;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                min = 0x10000;
            } else {
                return i - off;
            }
            if (i + need >= end) {
                return i - off;
            }
            int cp = c & (0x3F >> need);
            for (int k = 1; k <= need; k++) {
                int cc = b[i + k] & 0xFF;
                if ((cc & 0xC0) != 0x80) {
                    return i - off;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i - off;
            }
            i += need + 1;
        }
        return OK;
    }
}
