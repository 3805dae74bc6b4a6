package io.flywheel.journal;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Faults for end-to-end tests of a real process, from {@code FLYWHEEL_FAULT}: comma-separated entries
 * <ul>
 *   <li>{@code fail:<step>[:N]} - the first N (default 1) runs of the step fail with "No space left on device";</li>
 *   <li>{@code torn:segment-write[:N]} - the first N segment writes write half their bytes, then fail;</li>
 *   <li>{@code hold:<step>[:N]} - the N-th (default 1st) run of the step prints {@code flywheel: fault: holding at
 *       <step>} on stderr and blocks for good, so that a test can SIGKILL the process at exactly that point.</li>
 * </ul>
 * Steps are {@link Step#label()}s. Unset in production: then {@link Faults#NONE} is used and this costs nothing.
 * Shipping has the same seam for its S3 requests, from another variable ({@link #fromEnvironment(String, Set, String)}).
 */
public final class FaultSpec implements Faults {
    public static final String ENV = "FLYWHEEL_FAULT";

    private record Rule(String action, int count, AtomicInteger seen) {
    }

    private final Map<String, Rule> rules = new HashMap<>();
    private final String failure;

    private FaultSpec(String failure) {
        this.failure = failure;
    }

    /** The faults {@code FLYWHEEL_FAULT} asks for, or {@link Faults#NONE}; a malformed value is an error. */
    public static Faults fromEnvironment() {
        String spec = System.getenv(ENV);
        return spec == null || spec.isBlank() ? NONE : parse(spec);
    }

    /**
     * The faults variable {@code env} asks for, on steps named by {@code labels}, or null when it is unset; a failed
     * step throws an IOException saying {@code failure}. A malformed value or an unknown step is an error.
     */
    public static FaultSpec fromEnvironment(String env, Set<String> labels, String failure) {
        String spec = System.getenv(env);
        return spec == null || spec.isBlank() ? null : parse(env, spec, labels, failure);
    }

    static FaultSpec parse(String spec) {
        Set<String> labels = Arrays.stream(Step.values()).map(Step::label).collect(Collectors.toSet());
        return parse(ENV, spec, labels, "No space left on device");
    }

    private static FaultSpec parse(String env, String spec, Set<String> labels, String failure) {
        FaultSpec f = new FaultSpec(failure);
        for (String entry : spec.split(",")) {
            String[] p = entry.trim().split(":");
            if (p.length < 2 || p.length > 3 || !(p[0].equals("fail") || p[0].equals("hold") || p[0].equals("torn"))) {
                throw new IllegalArgumentException(env + ": '" + entry + "' is not fail|torn|hold:<step>[:N]");
            }
            if (!labels.contains(p[1])) {
                throw new IllegalArgumentException(env + ": unknown step '" + p[1] + "' (steps: " + String.join(", ", labels) + ")");
            }
            int n = p.length == 3 ? Integer.parseInt(p[2]) : 1;
            f.rules.put(p[1], new Rule(p[0], n, new AtomicInteger()));
        }
        return f;
    }

    @Override
    public void before(Step step) throws IOException {
        before(step.label());
    }

    /** Called before the step labelled {@code label} runs: fails it, holds it for good, or returns. */
    public void before(String label) throws IOException {
        Rule r = rules.get(label);
        if (r == null || r.action.equals("torn")) {
            return;
        }
        int n = r.seen.incrementAndGet();
        if (r.action.equals("fail") && n <= r.count) {
            throw new IOException(failure + " (injected at " + label + ")");
        }
        if (r.action.equals("hold") && n == r.count) {
            System.err.println("flywheel: fault: holding at " + label);
            System.err.flush();
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    // held until killed: that is the point
                }
            }
        }
    }

    @Override
    public int tornWriteBytes(int len) {
        Rule r = rules.get(Step.SEGMENT_WRITE.label());
        if (r == null || !r.action.equals("torn") || r.seen.incrementAndGet() > r.count) {
            return -1;
        }
        return len / 2;
    }
}
