package io.flywheel.obs;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;

/**
 * How Flywheel's own log lines look on stderr. Under systemd, journald stamps every line itself and reads the
 * priority from a {@code <N>} prefix (sd-daemon(3)), so the journal format carries no time and lets
 * {@code journalctl -p warning} select warnings; json is for log shippers.
 */
public final class LogSetup {
    public enum Format { TEXT, JOURNAL, JSON }

    private LogSetup() {
    }

    /** @throws IllegalArgumentException for an unknown level */
    public static Level level(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "info" -> Level.INFO;
            case "debug" -> Level.FINE;
            default -> throw new IllegalArgumentException("must be error, warn, info or debug");
        };
    }

    /** @throws IllegalArgumentException for an unknown format */
    public static Format format(String name, Map<String, String> env) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> env.get("JOURNAL_STREAM") != null && !env.get("JOURNAL_STREAM").isBlank() ? Format.JOURNAL : Format.TEXT;
            case "text" -> Format.TEXT;
            case "journal" -> Format.JOURNAL;
            case "json" -> Format.JSON;
            default -> throw new IllegalArgumentException("must be auto, text, journal or json");
        };
    }

    public static void apply(Level level, Format format) {
        Logger.getLogger("io.flywheel").setLevel(level);
        if (format == Format.TEXT) {
            return; // the configured pattern (application.properties) stays
        }
        Formatter f = format == Format.JOURNAL ? new JournalFormatter() : new JsonFormatter();
        for (Handler h : Logger.getLogger("").getHandlers()) {
            setFormatter(h, f);
        }
    }

    private static void setFormatter(Handler h, Formatter f) {
        if (h instanceof ExtHandler ext) {
            for (Handler child : ext.getHandlers()) {
                setFormatter(child, f);
            }
        }
        h.setFormatter(f);
    }

    /** syslog priority of a java.util.logging / JBoss level: err 3, warning 4, info 6, debug 7. */
    static int priority(Level level) {
        int v = level.intValue();
        return v >= Level.SEVERE.intValue() ? 3 : v >= Level.WARNING.intValue() ? 4 : v >= Level.INFO.intValue() ? 6 : 7;
    }

    static String levelName(Level level) {
        return switch (priority(level)) {
            case 3 -> "ERROR";
            case 4 -> "WARN";
            case 6 -> "INFO";
            default -> "DEBUG";
        };
    }

    private static String message(Formatter f, LogRecord r) {
        return r instanceof ExtLogRecord e ? e.getFormattedMessage() : f.formatMessage(r);
    }

    private static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    private static String shortName(String logger) {
        return logger == null ? "" : logger.substring(logger.lastIndexOf('.') + 1);
    }

    static final class JournalFormatter extends Formatter {
        @Override
        public String format(LogRecord r) {
            String prefix = "<" + priority(r.getLevel()) + ">";
            StringBuilder sb = new StringBuilder(prefix).append('[').append(shortName(r.getLoggerName())).append("] ")
                    .append(message(this, r)).append('\n');
            if (r.getThrown() != null) {
                // every line of a stack trace keeps the priority, so that -p err shows all of it
                for (String line : stackTrace(r.getThrown()).split("\n")) {
                    sb.append(prefix).append(line).append('\n');
                }
            }
            return sb.toString();
        }
    }

    static final class JsonFormatter extends Formatter {
        private static String q(String s) {
            return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
        }

        @Override
        public String format(LogRecord r) {
            StringBuilder sb = new StringBuilder("{\"time\":").append(q(Instant.ofEpochMilli(r.getMillis()).toString()))
                    .append(",\"level\":").append(q(levelName(r.getLevel())))
                    .append(",\"logger\":").append(q(String.valueOf(r.getLoggerName())))
                    .append(",\"message\":").append(q(String.valueOf(message(this, r))));
            if (r.getThrown() != null) {
                sb.append(",\"exception\":").append(q(stackTrace(r.getThrown())));
            }
            return sb.append("}\n").toString();
        }
    }
}
