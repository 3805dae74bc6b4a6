package io.flywheel.runtime;

import java.util.function.Supplier;

/** Told what {@link FlywheelRuntime#close(java.time.Duration, CloseProgress)} is waiting for, step by step. */
@FunctionalInterface
public interface CloseProgress {
    CloseProgress SILENT = what -> { };

    /** The close now waits for this (a supplier, so that figures are current when shown). */
    void waitingFor(Supplier<String> what);
}
