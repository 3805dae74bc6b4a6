package io.flywheel.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Test faults for the journal's file steps: makes chosen runs of a step fail as a full disk would, tears writes, and
 * - before every step - checks the promises that must hold at every instant, whatever fails next:
 * {@code current.jsonl} names an existing file, and every shippable segment is covered by {@code seq.hwm}.
 */
final class StepFaults implements Faults {
    private record Plan(int from, int times) {
    }

    private final Path root;
    private final Map<Step, Plan> plans = new EnumMap<>(Step.class);
    private final Map<Step, Integer> seen = new EnumMap<>(Step.class);
    private final Map<Step, Integer> failed = new EnumMap<>(Step.class);
    private int tornWrites;
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    StepFaults(Path root) {
        this.root = root;
    }

    /** The {@code from}-th run of {@code step} (1-based) and the {@code times - 1} runs after it fail. */
    StepFaults fail(Step step, int from, int times) {
        plans.put(step, new Plan(from, times));
        return this;
    }

    StepFaults tear(int writes) {
        tornWrites = writes;
        return this;
    }

    synchronized int seen(Step step) {
        return seen.getOrDefault(step, 0);
    }

    synchronized int failed(Step step) {
        return failed.getOrDefault(step, 0);
    }

    @Override
    public synchronized void before(Step step) throws IOException {
        int n = seen.merge(step, 1, Integer::sum);
        checkPromises(step);
        Plan p = plans.get(step);
        if (p != null && n >= p.from && n < p.from + p.times) {
            failed.merge(step, 1, Integer::sum);
            throw new IOException("No space left on device (test fault at " + step.label() + " #" + n + ")");
        }
    }

    @Override
    public synchronized int tornWriteBytes(int len) {
        if (tornWrites > 0) {
            tornWrites--;
            failed.merge(Step.SEGMENT_WRITE, 1, Integer::sum);
            return len / 2;
        }
        return -1;
    }

    private void checkPromises(Step step) throws IOException {
        Path current = root.resolve("current.jsonl");
        if (Files.isSymbolicLink(current) && !Files.exists(current)) {
            violations.add("before " + step.label() + ": current.jsonl -> " + Files.readSymbolicLink(current) + " is missing");
        }
        long hwm = 0;
        try {
            hwm = Long.parseLong(Files.readString(root.resolve("seq.hwm"), StandardCharsets.US_ASCII).trim());
        } catch (NoSuchFileException none) {
            // 0
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root.resolve("segments"), "*.jsonl")) {
            for (Path p : ds) {
                boolean shippable = !Files.exists(p.resolveSibling(p.getFileName() + ".open"));
                long last = SegmentReader.lastSeq(p);
                if (shippable && last > hwm) {
                    violations.add("before " + step.label() + ": " + p.getFileName() + " is shippable with seq " + last
                            + " above seq.hwm " + hwm);
                }
            }
        }
    }
}
