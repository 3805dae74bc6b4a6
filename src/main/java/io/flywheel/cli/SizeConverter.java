package io.flywheel.cli;

import io.flywheel.config.ByteSize;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A byte size; the reason goes into the one-line error that names option, value and an example. */
public class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        try {
            return ByteSize.parse(value);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new TypeConversionException("not a size (a number with B, k, M, G or T; binary units)");
        }
    }

    /** Keeps the text for option fields declared as strings (ShipOptions), checked at parse time all the same. */
    public static class Text implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            new SizeConverter().convert(value);
            return value;
        }
    }
}
