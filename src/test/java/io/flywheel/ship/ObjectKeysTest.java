package io.flywheel.ship;

import io.flywheel.journal.SegmentName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ObjectKeysTest {
    private static final SegmentName SEG = SegmentName.parse("20261124T233102.123Z-3f9a0c1b7d2e-0000000000000000042.jsonl")
            .orElseThrow();

    @Test
    void keyWithoutPrefixStartsAtTheYear() {
        assertEquals("2026/11/24/box-1/20261124T233102.123Z-3f9a0c1b7d2e-0000000000000000042.jsonl",
                ObjectKeys.key("", "box-1", SEG, Compression.NONE));
        assertEquals("2026/11/24/box-1/20261124T233102.123Z-3f9a0c1b7d2e-0000000000000000042.jsonl",
                ObjectKeys.key(null, "box-1", SEG, Compression.NONE));
    }

    @Test
    void prefixIsNormalisedAndGzipAddsSuffix() {
        assertEquals("a/b/2026/11/24/h/20261124T233102.123Z-3f9a0c1b7d2e-0000000000000000042.jsonl.gz",
                ObjectKeys.key("/a//b/", "h", SEG, Compression.GZIP));
        assertThrows(IllegalArgumentException.class, () -> ObjectKeys.normalizePrefix("a/../b"));
    }

    @Test
    void dateIsTheUtcDateOfTheFirstEventAndKeysAreDeterministic() {
        SegmentName lateUtc = new SegmentName(Instant.parse("2026-12-31T23:59:59.999Z"), "abc", 7);
        String k = ObjectKeys.key("p", "h", lateUtc, Compression.NONE);
        assertEquals("p/2026/12/31/h/20261231T235959.999Z-abc-0000000000000000007.jsonl", k);
        assertEquals(k, ObjectKeys.key("p", "h", SegmentName.parse(lateUtc.sealedFileName()).orElseThrow(), Compression.NONE));
        SegmentName newYear = new SegmentName(Instant.parse("2027-01-01T00:00:00.000Z"), "abc", 8);
        assertEquals("p/2027/01/01/h/20270101T000000.000Z-abc-0000000000000000008.jsonl",
                ObjectKeys.key("p", "h", newYear, Compression.NONE));
    }
}
