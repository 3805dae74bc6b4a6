package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.stats.PromText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code DIR/ship.prom}: the shipping series an operator alerts on, in the node_exporter textfile format, replaced
 * atomically after every pass by whoever holds {@code ship.lock} ({@code run --ship-every} or {@code flywheel ship}
 * from a timer), so a collector never reads half a file. Every failure class is always present (0 when it never
 * happened) so that {@code increase()} works from the first failure on.
 */
public final class ShipMetrics {
    public static final String FILE = "ship.prom";

    private ShipMetrics() {
    }

    public static Path path(DataDir dir) {
        return dir.root().resolve(FILE);
    }

    public static String render(ShipState s, Instant now) {
        Map<String, Long> failures = new LinkedHashMap<>();
        for (ShipException.Kind k : ShipException.Kind.values()) {
            failures.put(k.label(), s.failuresTotal().getOrDefault(k.label(), 0L));
        }
        // whole seconds: a fractional epoch time would be printed with 9 significant digits, i.e. to 10 s
        long lastSuccess = s.lastSuccess() == null ? 0 : Instant.parse(s.lastSuccess()).getEpochSecond();
        return new PromText()
                .gauge("flywheel_ship_last_pass_timestamp_seconds", "When the last ship pass ended (Unix time)",
                        Instant.parse(s.time()).getEpochSecond())
                .gauge("flywheel_ship_last_success_timestamp_seconds",
                        "When a ship pass last ended without error (Unix time; 0 = never)", lastSuccess)
                .gauge("flywheel_ship_last_pass_ok", "1 when the last ship pass ended without error",
                        s.error() == null && s.failed() == 0 ? 1 : 0)
                .counter("flywheel_ship_failures_total", "Ship failures by class (a failed segment, or a failure "
                        + "that stopped a pass)", "class", failures)
                .counter("flywheel_ship_segments_total", "Segments uploaded and verified", s.shippedTotal())
                .counter("flywheel_ship_bytes_total", "Object bytes uploaded", s.bytesTotal())
                .gauge("flywheel_ship_pending_segments", "Sealed segments waiting to be shipped", s.pending())
                .gauge("flywheel_ship_pending_bytes", "Bytes of sealed segments waiting to be shipped", s.pendingBytes())
                .gauge("flywheel_ship_oldest_pending_age_seconds",
                        "Age of the first event of the oldest waiting segment, at the last pass (0 = none waits)",
                        s.oldestPendingAgeSeconds(Instant.parse(s.time())))
                .text();
    }

    static void write(DataDir dir, ShipState s) throws IOException {
        DataDir.writeAtomically(dir.root(), path(dir), render(s, Instant.now()).getBytes(StandardCharsets.UTF_8));
    }
}
