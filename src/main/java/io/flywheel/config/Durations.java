package io.flywheel.config;

import java.time.Duration;
import java.util.Locale;

/** Parses durations the way operators write them: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d}, ISO-8601 {@code PT5M}. */
public final class Durations {
    private Durations() {
    }

    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p")) {
            try {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 250ms, 30s, 5m, 2h, 7d, PT5M)");
            }
        }
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 250ms, 30s, 5m, 2h, 7d)");
        }
        long n;
        try {
            n = Long.parseLong(s.substring(0, i));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration out of range: '" + text + "'");
        }
        return switch (s.substring(i).trim()) {
            case "ms" -> Duration.ofMillis(n);
            case "", "s" -> Duration.ofSeconds(n);
            case "m", "min" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "' (ms, s, m, h, d)");
        };
    }
}
