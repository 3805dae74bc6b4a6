package io.flywheel.cli;

import io.flywheel.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

public class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return Durations.parse(value);
    }
}
