package io.flywheel.ship;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.flywheel.journal.DataDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The outcome of the last ship pass and the totals of all passes, persisted as {@code DIR/ship.state} (a small JSON
 * object, written atomically after every pass that held the ship lock) so that {@code flywheel status} can tell it
 * on a stopped directory, and so that the counters of {@code DIR/ship.prom} keep counting across processes.
 *
 * @param time          when the pass ended (ISO-8601 UTC)
 * @param shipped       segments uploaded in that pass
 * @param failed        segments that failed in that pass
 * @param pending       sealed segments still waiting after it
 * @param error         the pass's error (one line), or null when it went well
 * @param shippedTotal  segments shipped by all passes so far (cumulative across runs)
 * @param lastSuccess   when a pass last ended without error, or null
 * @param errorClass    the class of {@code error} ({@link ShipException.Kind#label()}), or null
 * @param bytesTotal    object bytes uploaded by all passes
 * @param failuresTotal failures of all passes by class
 * @param pendingBytes  bytes of the sealed segments waiting after the pass
 * @param oldestPending first-event time of the oldest waiting segment (ISO-8601), or null when none waits
 */
public record ShipState(String time, long shipped, long failed, long pending, String error, long shippedTotal,
                        String lastSuccess, String errorClass, long bytesTotal, Map<String, Long> failuresTotal,
                        long pendingBytes, String oldestPending) {
    public static final String FILE = "ship.state";
    private static final JsonFactory JSON = new JsonFactory();

    public ShipState {
        failuresTotal = failuresTotal == null ? Map.of() : Map.copyOf(failuresTotal);
    }

    public static Path path(DataDir dir) {
        return dir.shipState();
    }

    /** Records a finished pass on top of the previous state (keeps the cumulative counts). */
    public static ShipState record(DataDir dir, ShipReport r, long pendingBytes, Instant oldestPending) throws IOException {
        ShipState prev = read(dir).orElse(null);
        String now = Instant.now().toString();
        long total = (prev == null ? 0 : prev.shippedTotal()) + r.shipped();
        long bytes = (prev == null ? 0 : prev.bytesTotal()) + r.bytes();
        String success = r.error() == null && r.failed() == 0 ? now : prev == null ? null : prev.lastSuccess();
        Map<String, Long> failures = new TreeMap<>(prev == null ? Map.of() : prev.failuresTotal());
        r.failures().forEach((k, v) -> failures.merge(k.label(), (long) v, Long::sum));
        ShipState s = new ShipState(now, r.shipped(), r.failed(), r.pending(), r.error(), total, success,
                r.errorKind() == null ? null : r.errorKind().label(), bytes, failures, pendingBytes,
                oldestPending == null ? null : oldestPending.toString());
        DataDir.writeAtomically(dir.root(), path(dir), s.toJson().getBytes(StandardCharsets.UTF_8));
        return s;
    }

    public static Optional<ShipState> read(DataDir dir) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(path(dir));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String time = null, error = null, success = null, errorClass = null, oldest = null;
        long shipped = 0, failed = 0, pending = 0, total = 0, bytes = 0, pendingBytes = 0;
        Map<String, Long> failures = new TreeMap<>();
        try (JsonParser p = JSON.createParser(b)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken t = p.nextToken();
                switch (f) {
                    case "time" -> time = p.getValueAsString();
                    case "shipped" -> shipped = p.getValueAsLong();
                    case "failed" -> failed = p.getValueAsLong();
                    case "pending" -> pending = p.getValueAsLong();
                    case "error" -> error = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "shipped_total" -> total = p.getValueAsLong();
                    case "last_success" -> success = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "error_class" -> errorClass = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "bytes_total" -> bytes = p.getValueAsLong();
                    case "pending_bytes" -> pendingBytes = p.getValueAsLong();
                    case "oldest_pending" -> oldest = t == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "failures_total" -> {
                        if (t == JsonToken.START_OBJECT) {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                p.nextToken();
                                failures.put(k, p.getValueAsLong());
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty(); // a torn or foreign file: status says nothing rather than failing
        }
        return Optional.of(new ShipState(time, shipped, failed, pending, error, total, success, errorClass, bytes,
                failures, pendingBytes, oldest));
    }

    public String toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", time);
            g.writeNumberField("shipped", shipped);
            g.writeNumberField("failed", failed);
            g.writeNumberField("pending", pending);
            g.writeStringField("error", error);
            g.writeNumberField("shipped_total", shippedTotal);
            g.writeStringField("last_success", lastSuccess);
            g.writeStringField("error_class", errorClass);
            g.writeNumberField("bytes_total", bytesTotal);
            g.writeObjectFieldStart("failures_total");
            for (Map.Entry<String, Long> e : new TreeMap<>(failuresTotal).entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("pending_bytes", pendingBytes);
            g.writeStringField("oldest_pending", oldestPending);
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8) + "\n";
    }

    /** Seconds since the oldest waiting segment's first event, at {@code now}; 0 when none waits. */
    public double oldestPendingAgeSeconds(Instant now) {
        if (oldestPending == null) {
            return 0;
        }
        try {
            return Math.max(0, (now.toEpochMilli() - Instant.parse(oldestPending).toEpochMilli()) / 1000.0);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
