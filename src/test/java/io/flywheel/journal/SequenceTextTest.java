package io.flywheel.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SequenceTextTest {
    @Test
    void incrementsInPlaceAcrossEveryCarry() {
        SequenceText s = new SequenceText(1);
        for (long v = 1; v < 120_000; v++) {
            assertEquals(Long.toString(v), new String(s.digits, s.start, s.length(), StandardCharsets.US_ASCII));
            assertEquals(v, s.value());
            s.increment();
        }
        SequenceText big = new SequenceText(9_999_999_999L);
        big.increment();
        assertEquals("10000000000", new String(big.digits, big.start, big.length(), StandardCharsets.US_ASCII));
    }
}
