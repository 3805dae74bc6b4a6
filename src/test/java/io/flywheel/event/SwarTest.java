package io.flywheel.event;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SwarTest {
    /** Bytes next to a newline in value (0x09, 0x0B), zero, and high bytes are where a borrow or carry would miscount. */
    private static final byte[] TRICKY = {'\n', '\n', 0x09, 0x0B, 0x00, 0x01, (byte) 0x8A, (byte) 0x80, (byte) 0xFF, 'a'};

    @Test
    void countsNewlinesExactlyAtEveryOffsetAndLength() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 2_000; round++) {
            byte[] b = new byte[1 + rnd.nextInt(100)];
            for (int i = 0; i < b.length; i++) {
                b[i] = TRICKY[rnd.nextInt(TRICKY.length)];
            }
            int from = rnd.nextInt(b.length);
            int to = from + rnd.nextInt(b.length - from + 1);
            long expected = 0;
            for (int i = from; i < to; i++) {
                if (b[i] == '\n') {
                    expected++;
                }
            }
            assertEquals(expected, Swar.countNewlines(b, from, to), () -> java.util.HexFormat.of().formatHex(b) + " " + from + ".." + to);
        }
    }
}
