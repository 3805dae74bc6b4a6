package io.flywheel.config;

import java.util.Locale;

/** Parses human byte sizes: {@code 1048576}, {@code 64MiB}, {@code 64M}, {@code 512k}, {@code 2GB} (binary units). */
public final class ByteSize {
    private ByteSize() {
    }

    public static long parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace("_", "");
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 64MiB, 512k, 1048576)");
        }
        double number;
        try {
            number = Double.parseDouble(s.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 64MiB, 512k, 1048576)");
        }
        String unit = s.substring(i).trim();
        long multiplier = switch (unit) {
            case "", "b" -> 1L;
            case "k", "kb", "kib" -> 1L << 10;
            case "m", "mb", "mib" -> 1L << 20;
            case "g", "gb", "gib" -> 1L << 30;
            case "t", "tb", "tib" -> 1L << 40;
            default -> throw new IllegalArgumentException("unknown size unit '" + unit + "' in '" + text + "' (B, k, M, G, T)");
        };
        double bytes = number * multiplier;
        if (bytes < 0 || bytes > Long.MAX_VALUE) {
            throw new IllegalArgumentException("size out of range: " + text);
        }
        return (long) bytes;
    }

    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
