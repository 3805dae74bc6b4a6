package io.flywheel.journal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A segment's file name: {@code <first event time>-<instance id>-<first sequence>.jsonl}, e.g.
 * {@code 20261124T093102.123Z-3f9a0c1b7d2e-0000000000000000001.jsonl}. Names sort by time, and the instance id
 * (random per data directory) plus the first sequence make them unique across restarts and hosts.
 */
public record SegmentName(Instant firstEventTime, String instance, long firstSeq) implements Comparable<SegmentName> {
    public static final String SEALED_SUFFIX = ".jsonl";
    public static final String OPEN_SUFFIX = ".jsonl.open";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile(
            "(\\d{8}T\\d{6}\\.\\d{3}Z)-([0-9a-z]{1,32})-(\\d{19})\\.jsonl(\\.open)?");

    public SegmentName {
        if (!instance.matches("[0-9a-z]{1,32}")) {
            throw new IllegalArgumentException("instance id must be 1-32 of [0-9a-z]: " + instance);
        }
    }

    public String base() {
        return TIME.format(firstEventTime) + "-" + instance + "-" + String.format("%019d", firstSeq);
    }

    public String sealedFileName() {
        return base() + SEALED_SUFFIX;
    }

    public String openFileName() {
        return base() + OPEN_SUFFIX;
    }

    public static Optional<SegmentName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        Instant t = Instant.from(TIME.parse(m.group(1)));
        return Optional.of(new SegmentName(t, m.group(2), Long.parseLong(m.group(3))));
    }

    /** Segment files in sequence order (by name when a file name is not a segment name). */
    public static final java.util.Comparator<java.nio.file.Path> FILE_ORDER = (a, b) -> {
        Optional<SegmentName> na = parse(a.getFileName().toString());
        Optional<SegmentName> nb = parse(b.getFileName().toString());
        if (na.isPresent() && nb.isPresent()) {
            return na.get().compareTo(nb.get());
        }
        return a.getFileName().toString().compareTo(b.getFileName().toString());
    };

    public static boolean isOpenFile(String fileName) {
        return fileName.endsWith(OPEN_SUFFIX);
    }

    @Override
    public int compareTo(SegmentName o) {
        int c = Long.compare(firstSeq, o.firstSeq);
        return c != 0 ? c : base().compareTo(o.base());
    }
}
