package io.flywheel.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads what a data directory holds, independently of the production code, for assertions. */
public final class Segments {
    private static final JsonFactory JSON = new JsonFactory();

    /** One envelope line: its sequence, source and the original event exactly as stored. */
    public record Line(long seq, String ts, String src, String event, Path file) {
    }

    private Segments() {
    }

    public static List<Path> sealed(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    /**
     * In-progress segments. A sealed segment keeps its {@code .open} name beside the sealed one for a moment (one
     * file, two names): such a twin is not in progress and not listed.
     */
    public static List<Path> open(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("segments"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl.open"))
                    .filter(p -> !Files.exists(p.resolveSibling(p.getFileName().toString().replace(".jsonl.open", ".jsonl"))))
                    .sorted().toList();
        }
    }

    /** Every envelope of every sealed segment, in file-name order. */
    public static List<Line> lines(Path dir) throws IOException {
        List<Line> out = new ArrayList<>();
        for (Path p : sealed(dir)) {
            out.addAll(lines(p, true));
        }
        return out;
    }

    public static List<Line> lines(Path file, boolean strict) throws IOException {
        List<Line> out = new ArrayList<>();
        byte[] all = Files.readAllBytes(file);
        if (strict && all.length > 0 && all[all.length - 1] != '\n') {
            throw new AssertionError(file + " does not end with a line end");
        }
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                out.add(parse(all, start, i - start, file));
                start = i + 1;
            }
        }
        return out;
    }

    private static Line parse(byte[] b, int off, int len, Path file) throws IOException {
        String text = new String(b, off, len, StandardCharsets.UTF_8);
        int ev = text.indexOf(",\"event\":");
        if (ev < 0 || !text.endsWith("}")) {
            throw new AssertionError("not an envelope in " + file + ": " + text);
        }
        String event = text.substring(ev + ",\"event\":".length(), text.length() - 1);
        long seq = -1;
        String ts = null;
        String src = null;
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "seq" -> seq = p.getLongValue();
                    case "ts" -> ts = p.getText();
                    case "src" -> src = p.getText();
                    default -> p.skipChildren();
                }
            }
        }
        return new Line(seq, ts, src, event, file);
    }
}
