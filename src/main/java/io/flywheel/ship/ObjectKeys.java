package io.flywheel.ship;

import io.flywheel.journal.SegmentName;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * Deterministic object keys: {@code <prefix>/<yyyy>/<MM>/<dd>/<host>/<segment file name>[.gz]}, the date being the UTC
 * date of the segment's first event (from its name). A retry therefore always writes the same key, and two hosts
 * never collide because the host id is part of the key (and the instance id is part of the file name).
 */
public final class ObjectKeys {
    private ObjectKeys() {
    }

    /** Normalises a user-given prefix: no leading or trailing slashes, no empty path elements. */
    public static String normalizePrefix(String prefix) {
        if (prefix == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String part : prefix.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("prefix must not contain '.' or '..' elements: " + prefix);
            }
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    public static String key(String prefix, String host, SegmentName segment, Compression compression) {
        ZonedDateTime t = segment.firstEventTime().atZone(ZoneOffset.UTC);
        String p = normalizePrefix(prefix);
        String date = String.format("%04d/%02d/%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
        return (p.isEmpty() ? "" : p + "/") + date + "/" + host + "/" + segment.sealedFileName() + compression.suffix();
    }
}
