package io.flywheel.cli;

import io.flywheel.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A duration of zero or more; the reason goes into the one-line error that names option, value and an example. */
public class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("not a duration (units ms, s, m, h, d, or ISO-8601 like PT5M)");
        }
        if (d.isNegative()) {
            throw new TypeConversionException("must not be negative");
        }
        return d;
    }

    /** For intervals and ages, where zero would mean "busy loop" or "one segment per event". */
    public static class Positive extends DurationConverter {
        @Override
        public Duration convert(String value) {
            Duration d = super.convert(value);
            if (d.isZero()) {
                throw new TypeConversionException("must be more than 0");
            }
            return d;
        }
    }

    /** Keeps the text for option fields declared as strings (ShipOptions), checked at parse time all the same. */
    public static class Text implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            new DurationConverter().convert(value);
            return value;
        }
    }
}
