package io.flywheel.runtime;

/**
 * An event {@link FlywheelRuntime#append appended}: a durable one is fsynced in the journal under {@code seq}; an
 * ephemeral one was broadcast and has no seq ({@code 0}).
 */
public record Appended(long seq, boolean durable) {
}
