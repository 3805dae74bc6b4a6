package io.flywheel.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.flywheel.event.Event;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The first line of a subscriber connection, e.g.
 * {@code {"tap":{"types":["text_chunk"],"durable_only":false,"committed_only":false,"from_seq":120,"name":"ui","envelope":true}}}.
 * An object with a {@code "tap"} key and no {@code "type"} key; every option is optional (no types = every type).
 *
 * @param committedOnly durable events only, each sent once the journal has fsynced it
 * @param fromSeq       replay durable events from this seq out of the journal first, then go on live; -1 for live only
 * @param name          the subscriber's metrics label; null to be labelled by its peer
 * @param envelope      send {@code {"seq":N,"class":"durable","src":...,"event":...}} instead of the bare event line
 *                      (an ephemeral event: {@code "class":"ephemeral"} and no seq)
 */
public record TapRequest(List<String> types, boolean durableOnly, boolean committedOnly, long fromSeq, String name,
                         boolean envelope) {
    private static final JsonFactory JSON = new JsonFactory();

    public TapRequest {
        types = List.copyOf(types);
    }

    public TapRequest(List<String> types, boolean durableOnly) {
        this(types, durableOnly, false, -1, null, false);
    }

    /** The events this subscriber wants. */
    public Predicate<Event> filter() {
        Set<String> wanted = Set.copyOf(types);
        boolean durable = durableOnly || committedOnly;
        if (!durable && wanted.isEmpty()) {
            return io.flywheel.bus.LiveOptions.ALL;
        }
        return e -> (!durable || e.durable()) && (wanted.isEmpty() || wanted.contains(e.type()));
    }

    /** Thrown for a line that is a tap request but a malformed one. */
    public static final class BadRequest extends Exception {
        public BadRequest(String message) {
            super(message);
        }
    }

    /**
     * Reads a connection's first line: the tap request it holds, or null when it is not one (then it is an event
     * like any other, and goes to ingest).
     */
    public static TapRequest parse(byte[] buf, int off, int len) throws BadRequest {
        // cheap pre-check: most first lines are events, and they should not pay for a second parse
        if (indexOf(buf, off, len, "\"tap\"") < 0) {
            return null;
        }
        List<String> types = new ArrayList<>();
        boolean durableOnly = false;
        boolean committedOnly = false;
        boolean envelope = false;
        long fromSeq = -1;
        String tapName = null;
        boolean sawTap = false;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("type".equals(name)) {
                    return null; // an event that happens to carry a "tap" field
                }
                if (!"tap".equals(name)) {
                    p.skipChildren();
                    continue;
                }
                sawTap = true;
                if (t != JsonToken.START_OBJECT) {
                    throw new BadRequest("\"tap\" must be an object");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String opt = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (opt) {
                        case "types" -> {
                            if (v == JsonToken.VALUE_NULL) {
                                break;
                            }
                            if (v != JsonToken.START_ARRAY) {
                                throw new BadRequest("\"types\" must be an array of strings");
                            }
                            while ((v = p.nextToken()) == JsonToken.VALUE_STRING) {
                                types.add(p.getText());
                            }
                            if (v != JsonToken.END_ARRAY) {
                                throw new BadRequest("\"types\" must be an array of strings");
                            }
                        }
                        case "durable_only" -> {
                            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                                throw new BadRequest("\"durable_only\" must be true or false");
                            }
                            durableOnly = v == JsonToken.VALUE_TRUE;
                        }
                        case "committed_only" -> {
                            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                                throw new BadRequest("\"committed_only\" must be true or false");
                            }
                            committedOnly = v == JsonToken.VALUE_TRUE;
                        }
                        case "envelope" -> {
                            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                                throw new BadRequest("\"envelope\" must be true or false");
                            }
                            envelope = v == JsonToken.VALUE_TRUE;
                        }
                        case "from_seq" -> {
                            if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 1) {
                                throw new BadRequest("\"from_seq\" must be a positive integer");
                            }
                            fromSeq = p.getLongValue();
                        }
                        case "name" -> {
                            if (v != JsonToken.VALUE_STRING || !p.getText().matches("[A-Za-z0-9_.:@-]{1,64}")) {
                                throw new BadRequest("\"name\" must be 1-64 of [A-Za-z0-9_.:@-]");
                            }
                            tapName = p.getText();
                        }
                        default -> throw new BadRequest("unknown tap option \"" + opt + "\"");
                    }
                }
            }
        } catch (IOException e) {
            return null; // not JSON: ingest rejects it with a proper reason
        }
        return sawTap ? new TapRequest(types, durableOnly, committedOnly, fromSeq, tapName, envelope) : null;
    }

    private static int indexOf(byte[] buf, int off, int len, String needle) {
        outer:
        for (int i = off; i <= off + len - needle.length(); i++) {
            for (int k = 0; k < needle.length(); k++) {
                if (buf[i + k] != needle.charAt(k)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
