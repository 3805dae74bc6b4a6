package io.flywheel.cli;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.JournalVerifier;
import io.flywheel.journal.RecoveryListener;
import io.flywheel.journal.WriterLock;
import io.flywheel.obs.ProgressBar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks every segment of a data directory: each line a valid envelope, sequence numbers strictly "
                + "increasing and unique across segments, no in-progress file left over.",
            "Prints counts; exits 1 on any corruption, naming the file and line, 2 when DIR is not a data directory. Only reads: changes nothing in DIR."})
public class VerifyCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "flywheel-data", description = "Data directory. Default: ${DEFAULT-VALUE}")
    Path dir;

    @Mixin
    CommonOptions common;

    /** Progress over all segments (bytes of all, segment i of n), not a bar per file that restarts at 0. */
    private static RecoveryListener overall(ProgressBar bar, DataDir data) throws java.io.IOException {
        java.util.List<Path> files = new java.util.ArrayList<>();
        for (Path d : java.util.List.of(data.segments(), data.shipped())) {
            if (java.nio.file.Files.isDirectory(d)) {
                try (var s = java.nio.file.Files.list(d)) {
                    s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).forEach(files::add);
                }
            }
        }
        files.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        java.util.Map<Path, long[]> before = new java.util.HashMap<>();
        long sum = 0;
        for (int i = 0; i < files.size(); i++) {
            before.put(files.get(i), new long[] {i + 1, sum});
            sum += files.get(i).toFile().length();
        }
        long total = sum;
        return new RecoveryListener() {
            @Override
            public void progress(Path segment, long done, long size) {
                long[] at = before.getOrDefault(segment, new long[] {0, 0});
                bar.files("verifying", (int) at[0], files.size(), segment, at[1] + done, total);
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        DataDir data;
        try {
            data = DataDir.readOnly(dir);
        } catch (java.io.IOException e) {
            // a wrong --dir is a usage error (2); corruption found in a real directory is 1
            System.err.println("flywheel verify: " + CommandLineSetup.describe(e));
            return Usage.EXIT;
        }
        // only a look at the lock: taking it would write verify's pid into run.lock and turn away a run starting now
        boolean writerLive = WriterLock.isHeld(data);
        ProgressBar bar = ProgressBar.onStderrIfTerminal();
        RecoveryListener progress = bar == null ? RecoveryListener.QUIET : overall(bar, data);
        JournalVerifier.Report r = JournalVerifier.verify(data, writerLive, progress);
        if (bar != null) {
            bar.clear();
        }
        for (String p : r.problems()) {
            System.out.println("CORRUPT " + p);
        }
        System.out.printf("%s: %d segments, %d events, %d bytes, sequence %d..%d%s%n", data.root(), r.segments(),
                r.events(), r.bytes(), Math.max(r.firstSeq(), 0), r.lastSeq(),
                writerLive ? " (a live writer holds the in-progress segment)" : "");
        if (!r.unchecked().isEmpty()) {
            System.out.println("NOTE " + r.unchecked().size() + " segment(s) sealed by an older Flywheel have no seal "
                    + "record (.seal): their content was checked for form, not against a seal-time checksum");
        }
        if (!r.ok()) {
            System.out.println("verify: FAILED with " + r.problems().size() + " problem(s)");
            return 1;
        }
        System.out.println("verify: OK");
        return 0;
    }
}
