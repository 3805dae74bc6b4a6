package io.flywheel.event;

import java.nio.charset.StandardCharsets;

/**
 * One accepted event as live subscribers see it: the original line, byte for byte (without its line end), its type
 * and class, the sequence number the journal gave it ({@code 0} for an ephemeral event, which has none), where it
 * came from and when it arrived.
 */
public record Event(String type, boolean durable, long seq, String source, long receivedAtMillis, byte[] raw) {

    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }
}
