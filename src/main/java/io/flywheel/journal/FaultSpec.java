package io.flywheel.journal;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults for end-to-end tests of a real process, from {@code FLYWHEEL_FAULT}: comma-separated entries
 * <ul>
 *   <li>{@code fail:<step>[:N]} - the first N (default 1) runs of the step fail with "No space left on device";</li>
 *   <li>{@code torn:segment-write[:N]} - the first N segment writes write half their bytes, then fail;</li>
 *   <li>{@code hold:<step>[:N]} - the N-th (default 1st) run of the step prints {@code flywheel: fault: holding at
 *       <step>} on stderr and blocks for good, so that a test can SIGKILL the process at exactly that point.</li>
 * </ul>
 * Steps are {@link Step#label()}s. Unset in production: then {@link Faults#NONE} is used and this costs nothing.
 */
public final class FaultSpec implements Faults {
    public static final String ENV = "FLYWHEEL_FAULT";

    private record Rule(String action, int count, AtomicInteger seen) {
    }

    private final Map<Step, Rule> rules = new EnumMap<>(Step.class);

    private FaultSpec() {
    }

    /** The faults {@code FLYWHEEL_FAULT} asks for, or {@link Faults#NONE}; a malformed value is an error. */
    public static Faults fromEnvironment() {
        String spec = System.getenv(ENV);
        return spec == null || spec.isBlank() ? NONE : parse(spec);
    }

    static FaultSpec parse(String spec) {
        FaultSpec f = new FaultSpec();
        for (String entry : spec.split(",")) {
            String[] p = entry.trim().split(":");
            if (p.length < 2 || p.length > 3 || !(p[0].equals("fail") || p[0].equals("hold") || p[0].equals("torn"))) {
                throw new IllegalArgumentException(ENV + ": '" + entry + "' is not fail|torn|hold:<step>[:N]");
            }
            int n = p.length == 3 ? Integer.parseInt(p[2]) : 1;
            f.rules.put(Step.ofLabel(p[1]), new Rule(p[0], n, new AtomicInteger()));
        }
        return f;
    }

    @Override
    public void before(Step step) throws IOException {
        Rule r = rules.get(step);
        if (r == null || r.action.equals("torn")) {
            return;
        }
        int n = r.seen.incrementAndGet();
        if (r.action.equals("fail") && n <= r.count) {
            throw new IOException("No space left on device (injected at " + step.label() + ")");
        }
        if (r.action.equals("hold") && n == r.count) {
            System.err.println("flywheel: fault: holding at " + step.label());
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
        Rule r = rules.get(Step.SEGMENT_WRITE);
        if (r == null || !r.action.equals("torn") || r.seen.incrementAndGet() > r.count) {
            return -1;
        }
        return len / 2;
    }
}
