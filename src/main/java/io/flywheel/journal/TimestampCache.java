package io.flywheel.journal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Formats receive times as 24 ASCII bytes ({@code 2026-11-24T09:31:02.123Z}), reusing the bytes within a millisecond. */
final class TimestampCache {
    private long second = Long.MIN_VALUE;
    private long millis = Long.MIN_VALUE;
    private final byte[] bytes = new byte[Envelope.TS_LEN];

    byte[] format(long epochMillis) {
        if (epochMillis == millis) {
            return bytes;
        }
        long s = Math.floorDiv(epochMillis, 1000);
        if (s != second) {
            String iso = DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond(s));
            // ISO_INSTANT prints whole seconds as ...:02Z; keep the 19 chars before the Z
            byte[] b = iso.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, bytes, 0, 19);
            bytes[19] = '.';
            bytes[23] = 'Z';
            second = s;
        }
        int ms = (int) Math.floorMod(epochMillis, 1000);
        bytes[20] = (byte) ('0' + ms / 100);
        bytes[21] = (byte) ('0' + (ms / 10) % 10);
        bytes[22] = (byte) ('0' + ms % 10);
        millis = epochMillis;
        return bytes;
    }
}
