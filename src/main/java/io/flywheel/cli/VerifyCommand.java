package io.flywheel.cli;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.JournalVerifier;
import io.flywheel.journal.RecoveryListener;
import io.flywheel.journal.WriterLock;
import io.flywheel.obs.ProgressBar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Checks every segment of a data directory: each line a valid envelope, sequence numbers strictly "
                + "increasing and unique across segments, no in-progress file left over.",
            "Prints counts; exits 1 on any corruption, naming the file and line. Only reads: changes nothing in DIR."})
public class VerifyCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = "flywheel-data", description = "Data directory. Default: ${DEFAULT-VALUE}")
    Path dir;

    @Override
    public Integer call() throws Exception {
        DataDir data = DataDir.readOnly(dir);
        // only a look at the lock: taking it would write verify's pid into run.lock and turn away a run starting now
        boolean writerLive = WriterLock.isHeld(data);
        ProgressBar bar = ProgressBar.onStderrIfTerminal();
        RecoveryListener progress = bar == null ? RecoveryListener.QUIET : new RecoveryListener() {
            @Override
            public void progress(Path segment, long done, long total) {
                bar.file("verifying", segment, done, total);
            }
        };
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
