package io.flywheel.ship;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.flywheel.journal.DataDir;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The outcome of the last ship pass, persisted as {@code DIR/ship.state} (a small JSON object, written atomically
 * after every pass that held the ship lock) so that {@code flywheel status} can tell it on a stopped directory.
 *
 * @param time          when the pass ended (ISO-8601 UTC)
 * @param shipped       segments uploaded in that pass
 * @param failed        segments that failed in that pass
 * @param pending       sealed segments still waiting after it
 * @param error         the pass's error (one line), or null when it went well
 * @param shippedTotal  segments shipped by all passes so far (cumulative across runs)
 * @param lastSuccess   when a pass last ended without error, or null
 */
public record ShipState(String time, long shipped, long failed, long pending, String error, long shippedTotal,
                        String lastSuccess) {
    public static final String FILE = "ship.state";
    private static final JsonFactory JSON = new JsonFactory();

    public static Path path(DataDir dir) {
        return dir.root().resolve(FILE);
    }

    /** Records a finished pass on top of the previous state (keeps the cumulative count). */
    public static ShipState record(DataDir dir, int shipped, int failed, int pending, String error) throws IOException {
        ShipState prev = read(dir).orElse(null);
        String now = Instant.now().toString();
        long total = (prev == null ? 0 : prev.shippedTotal()) + shipped;
        String success = error == null && failed == 0 ? now : prev == null ? null : prev.lastSuccess();
        ShipState s = new ShipState(now, shipped, failed, pending, error, total, success);
        DataDir.writeAtomically(dir.root(), path(dir), s.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return s;
    }

    public static Optional<ShipState> read(DataDir dir) throws IOException {
        byte[] b;
        try {
            b = Files.readAllBytes(path(dir));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String time = null, error = null, success = null;
        long shipped = 0, failed = 0, pending = 0, total = 0;
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
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty(); // a torn or foreign file: status says nothing rather than failing
        }
        return Optional.of(new ShipState(time, shipped, failed, pending, error, total, success));
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
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8) + "\n";
    }
}
