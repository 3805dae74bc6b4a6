package io.flywheel.cli;

import io.flywheel.config.ByteSize;
import picocli.CommandLine.ITypeConverter;

public class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        return ByteSize.parse(value);
    }
}
