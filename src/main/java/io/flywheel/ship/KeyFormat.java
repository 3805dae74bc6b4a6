package io.flywheel.ship;

import io.flywheel.journal.SegmentName;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Object keys from a template ({@code --key-format}). Placeholders: {@code {prefix}}, {@code {host}},
 * {@code {instance}}, {@code {segment}} (the segment's file name), {@code {first_seq}}, and {@code {yyyy}},
 * {@code {MM}}, {@code {dd}}, {@code {HH}} - the UTC time of the segment's first event. Everything comes from the
 * segment's name and the directory, never from the upload time, so a retry writes the same key. A template must
 * name the segment, or its instance and first sequence: anything less lets two segments share a key. An empty
 * {@code {prefix}} drops its path element. {@code .gz} is appended for gzip objects.
 */
public final class KeyFormat {
    public static final String DEFAULT = "{prefix}/{yyyy}/{MM}/{dd}/{host}/{segment}";
    /** Hive-style partitions that Spark, Trino, DuckDB and Athena prune by. */
    public static final String HIVE = "{prefix}/dt={yyyy}-{MM}-{dd}/hour={HH}/host={host}/{segment}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-zA-Z_]+)}");
    private static final Set<String> KNOWN = Set.of("prefix", "host", "instance", "segment", "first_seq", "yyyy", "MM",
            "dd", "HH");

    private final String template;

    private KeyFormat(String template) {
        this.template = template;
    }

    /** {@code default}, {@code hive}, or a template; @throws IllegalArgumentException saying what is wrong */
    public static KeyFormat parse(String spec) {
        String t = switch (spec == null ? "default" : spec.trim()) {
            case "", "default" -> DEFAULT;
            case "hive" -> HIVE;
            default -> spec.trim();
        };
        Matcher m = PLACEHOLDER.matcher(t);
        boolean segment = false, instance = false, firstSeq = false;
        while (m.find()) {
            String p = m.group(1);
            if (!KNOWN.contains(p)) {
                throw new IllegalArgumentException("--key-format: unknown placeholder {" + p + "} (known: "
                        + String.join(", ", KNOWN.stream().sorted().map(k -> "{" + k + "}").toList()) + ")");
            }
            segment |= p.equals("segment");
            instance |= p.equals("instance");
            firstSeq |= p.equals("first_seq");
        }
        if (!segment && !(instance && firstSeq)) {
            throw new IllegalArgumentException("--key-format '" + t + "' could give two segments the same key: it must "
                    + "contain {segment}, or both {instance} and {first_seq}");
        }
        if (t.startsWith("/") || t.contains("..") || t.contains("//")) {
            throw new IllegalArgumentException("--key-format '" + t + "': no leading '/', no '//' and no '..'");
        }
        return new KeyFormat(t);
    }

    public String template() {
        return template;
    }

    public String key(String prefix, String host, SegmentName segment, Compression compression) {
        ZonedDateTime t = segment.firstEventTime().atZone(ZoneOffset.UTC);
        String p = ObjectKeys.normalizePrefix(prefix);
        String k = template;
        if (p.isEmpty()) {
            k = k.replace("{prefix}/", "").replace("{prefix}", "");
        }
        k = k.replace("{prefix}", p)
                .replace("{host}", host)
                .replace("{instance}", segment.instance())
                .replace("{segment}", segment.sealedFileName())
                .replace("{first_seq}", Long.toString(segment.firstSeq()))
                .replace("{yyyy}", String.format("%04d", t.getYear()))
                .replace("{MM}", String.format("%02d", t.getMonthValue()))
                .replace("{dd}", String.format("%02d", t.getDayOfMonth()))
                .replace("{HH}", String.format("%02d", t.getHour()));
        return k + compression.suffix();
    }
}
