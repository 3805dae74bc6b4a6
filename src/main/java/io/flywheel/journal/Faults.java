package io.flywheel.journal;

import java.io.IOException;

/**
 * The fault-injection seam of the journal's file operations, after BookKeeper's failing test channels:
 * {@link JournalFiles} calls {@link #before} ahead of every {@link Step}, and a test's implementation throws (the
 * step fails as a full disk would), blocks (the step stalls) or returns (the step runs). Production uses
 * {@link #NONE}, or - for end-to-end fault tests against a real process - {@link FaultSpec#fromEnvironment()}.
 */
@FunctionalInterface
public interface Faults {
    Faults NONE = step -> { };

    /** Called before {@code step} runs; throwing makes the step fail with that error. */
    void before(Step step) throws IOException;

    /**
     * For {@link Step#SEGMENT_WRITE} only: how many bytes of {@code len} to write before failing, or -1 to write
     * all. A torn write (some bytes, then an error) is what a disk filling up mid-batch does.
     */
    default int tornWriteBytes(int len) {
        return -1;
    }
}
