package io.flywheel.cli;

import io.flywheel.event.EventClass;
import io.flywheel.ship.Compression;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Options with a fixed set of values: checked when parsed, listed for completion. */
final class ChoiceConverters {
    private ChoiceConverters() {
    }

    public static class EventClassChoice implements ITypeConverter<EventClass>, Iterable<String> {
        @Override
        public EventClass convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "durable" -> EventClass.DURABLE;
                case "ephemeral" -> EventClass.EPHEMERAL;
                default -> throw new TypeConversionException("must be durable or ephemeral");
            };
        }

        @Override
        public Iterator<String> iterator() {
            return List.of("durable", "ephemeral").iterator();
        }
    }

    public static class CompressionChoice implements ITypeConverter<String>, Iterable<String> {
        @Override
        public String convert(String value) {
            try {
                Compression.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("must be none or gzip");
            }
            return value;
        }

        @Override
        public Iterator<String> iterator() {
            return List.of("none", "gzip").iterator();
        }
    }

    public static class LogLevels implements ITypeConverter<String>, Iterable<String> {
        @Override
        public String convert(String value) {
            try {
                io.flywheel.obs.LogSetup.level(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return value;
        }

        @Override
        public Iterator<String> iterator() {
            return List.of("error", "warn", "info", "debug").iterator();
        }
    }

    public static class LogFormats implements ITypeConverter<String>, Iterable<String> {
        @Override
        public String convert(String value) {
            try {
                io.flywheel.obs.LogSetup.format(value, java.util.Map.of());
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
            return value;
        }

        @Override
        public Iterator<String> iterator() {
            return List.of("auto", "text", "journal", "json").iterator();
        }
    }
}
