package io.flywheel.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Eight bytes at a time ("SIMD within a register") for the scans every input byte goes through. */
public final class Swar {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long NEWLINES = ONES * '\n';
    private static final long LOWS = 0x7F7F7F7F7F7F7F7FL;

    private Swar() {
    }

    /** Index of the first {@code \n} in {@code [from, to)}, or -1. */
    public static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            long found = (x - ONES) & ~x & HIGHS;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Number of {@code \n} in {@code [from, to)}. */
    public static long countNewlines(byte[] b, int from, int to) {
        long n = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            // high bit of each byte set exactly where x's byte is zero; no carry crosses bytes, so no false count
            long zero = ~(((x & LOWS) + LOWS) | x | LOWS);
            n += Long.bitCount(zero);
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                n++;
            }
        }
        return n;
    }

    /** Index of the first byte that is not ASCII or is NUL in {@code [from, to)}, or {@code to}. */
    public static int skipPlainAscii(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i);
            if (((x | ((x - ONES) & ~x)) & HIGHS) != 0) {
                break;
            }
        }
        for (; i < to; i++) {
            if (b[i] <= 0) {
                return i;
            }
        }
        return to;
    }
}
