package io.flywheel.ship;

import java.util.Locale;

/** How segments are stored in the bucket. */
public enum Compression {
    NONE(""),
    GZIP(".gz");

    private final String suffix;

    Compression(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }

    public static Compression parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none", "" -> NONE;
            case "gzip", "gz" -> GZIP;
            default -> throw new IllegalArgumentException("unknown compression '" + s + "' (none, gzip)");
        };
    }
}
