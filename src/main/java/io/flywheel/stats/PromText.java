package io.flywheel.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prometheus text exposition format (version 0.0.4), both ways: a small builder for what Flywheel exports, and a
 * parser (for {@code flywheel status} and tests) that accepts the subset the builder writes plus comments.
 */
public final class PromText {
    /** Histogram bucket bounds for latencies, in seconds: 100 µs .. 10 s. */
    public static final double[] LATENCY_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final StringBuilder sb = new StringBuilder(4096);

    public PromText counter(String name, String help, long value) {
        header(name, help, "counter");
        sample(name, null, value);
        return this;
    }

    /** A counter family with one label: one sample per entry (may be empty: then only the header). */
    public PromText counter(String name, String help, String label, Map<String, Long> values) {
        header(name, help, "counter");
        for (Map.Entry<String, Long> e : values.entrySet()) {
            sample(name, label + "=\"" + escape(e.getKey()) + "\"", e.getValue());
        }
        return this;
    }

    public PromText gauge(String name, String help, double value) {
        header(name, help, "gauge");
        sample(name, null, value);
        return this;
    }

    /** A histogram from a {@link LatencyHistogram}, in seconds; cumulative buckets are monotonic by construction. */
    public PromText histogram(String name, String help, LatencyHistogram h) {
        header(name, help, "histogram");
        long[] cum = h.cumulativeAt(LATENCY_BOUNDS);
        long prev = 0;
        for (int i = 0; i < cum.length; i++) {
            prev = Math.max(prev, cum[i]);
            sample(name + "_bucket", "le=\"" + format(LATENCY_BOUNDS[i]) + "\"", prev);
        }
        long count = Math.max(prev, h.count()); // counts race with the bucket snapshot: never let +Inf go below
        sample(name + "_bucket", "le=\"+Inf\"", count);
        sample(name + "_sum", null, h.sumNanos() / 1e9);
        sample(name + "_count", null, count);
        return this;
    }

    public String text() {
        return sb.toString();
    }

    private void header(String name, String help, String type) {
        sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, double value) {
        sb.append(name);
        if (labels != null) {
            sb.append('{').append(labels).append('}');
        }
        sb.append(' ').append(format(value)).append('\n');
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return String.format(Locale.ROOT, "%.9g", v).replaceAll("0+(e|$)", "$1").replaceAll("\\.(e|$)", "$1");
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    // ---- parsing

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** A parsed exposition: the declared type per family, and the samples in order. */
    public record Parsed(Map<String, String> types, List<Sample> samples) {
        /** The value of the first sample with this name and (if given) this label value; NaN when missing. */
        public double value(String name) {
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    return s.value();
                }
            }
            return Double.NaN;
        }

        public List<Sample> all(String name) {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(name)) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** Parses the text format; throws IllegalArgumentException naming the line when it is not valid. */
    public static Parsed parse(String text) {
        Map<String, String> types = new LinkedHashMap<>();
        List<Sample> samples = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 4 && parts[1].equals("TYPE")) {
                    if (types.put(parts[2], parts[3].trim()) != null) {
                        throw new IllegalArgumentException("line " + lineNo + ": second TYPE for " + parts[2]);
                    }
                }
                continue;
            }
            try {
                samples.add(parseSample(line));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return new Parsed(types, samples);
    }

    private static Sample parseSample(String line) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_' || line.charAt(i) == ':')) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            throw new IllegalArgumentException("bad metric name");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq).trim();
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split("\\s+");
        if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("expected a value (and an optional timestamp)");
        }
        return new Sample(name, labels, parseValue(rest[0]));
    }

    private static double parseValue(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
