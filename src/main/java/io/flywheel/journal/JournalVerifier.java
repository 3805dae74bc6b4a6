package io.flywheel.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a data directory: every sealed segment line is a valid envelope, sequence numbers strictly increase across
 * segments (so none repeats), each segment starts with the sequence its name says, and no in-progress file is left
 * over (unless a live writer owns it), and each sealed segment still holds the bytes its {@link SealRecord} describes.
 */
public final class JournalVerifier {

    /** @param unchecked sealed segments without a seal record (sealed by an older version): checked for form only */
    public record Report(long segments, long events, long bytes, long firstSeq, long lastSeq, List<String> problems,
                         List<String> unchecked) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private JournalVerifier() {
    }

    public static Report verify(DataDir dir, boolean writerLive, RecoveryListener progress) throws IOException {
        List<String> problems = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (Path p : Recovery.list(dir.segments())) {
            String name = p.getFileName().toString();
            if (SegmentName.isOpenFile(name)) {
                if (!writerLive) {
                    problems.add(p + ": in-progress segment left over by a crash (the next `flywheel run` recovers it)");
                }
            } else if (name.endsWith(SegmentName.SEALED_SUFFIX)) {
                files.add(p);
            } else if (!DataDir.isTempName(name) && !name.endsWith(SegmentName.SEALED_SUFFIX + SealRecord.SUFFIX)) {
                problems.add(p + ": unexpected file in segments/");
            }
        }
        for (Path p : Recovery.list(dir.shipped())) {
            if (p.getFileName().toString().endsWith(SegmentName.SEALED_SUFFIX)) {
                files.add(p);
            }
        }
        files.sort(SegmentName.FILE_ORDER);
        List<String> unchecked = new ArrayList<>();
        long[] prev = {0};
        long[] first = {-1};
        long events = 0;
        long bytes = 0;
        for (Path p : files) {
            Optional<SegmentName> name = SegmentName.parse(p.getFileName().toString());
            if (name.isEmpty()) {
                problems.add(p + ": name is not <time>-<instance>-<first seq>.jsonl");
            }
            long total = Files.size(p);
            long[] count = {0};
            EnvelopeCheck check = new EnvelopeCheck();
            SegmentReader.Result r = SegmentReader.scan(p, (buf, off, len, at, lineNo) -> {
                String problem = check.problem(buf, off, len);
                long seq = Envelope.readSeq(buf, off, len);
                if (problem == null && seq <= prev[0]) {
                    problem = "sequence " + seq + " is not above the previous " + prev[0] + " (duplicate or out of order)";
                }
                if (problem == null && lineNo == 1 && name.isPresent() && name.get().firstSeq() != seq) {
                    problem = "first sequence " + seq + " differs from the name's " + name.get().firstSeq();
                }
                if (problem != null) {
                    problems.add(p + ":" + lineNo + ": " + problem);
                    return problems.size() < 100;
                }
                if (first[0] < 0) {
                    first[0] = seq;
                }
                prev[0] = seq;
                count[0]++;
                if (lineNo % 200_000 == 0) {
                    progress.progress(p, at, total);
                }
                return true;
            });
            if (r.hasTornTail() && !r.stopped()) {
                problems.add(p + ":" + (r.lines() + 1) + ": last line has no line end (torn)");
            }
            if (total == 0) {
                problems.add(p + ": empty segment");
            }
            checkSealRecord(p, problems, unchecked);
            events += count[0];
            bytes += total;
        }
        return new Report(files.size(), events, bytes, first[0], prev[0], problems, unchecked);
    }

    private static void checkSealRecord(Path p, List<String> problems, List<String> unchecked) {
        try {
            Optional<SealRecord> sealed = SealRecord.read(p);
            if (sealed.isEmpty()) {
                unchecked.add(p.toString());
                return;
            }
            SealRecord now = SealRecord.compute(p);
            SealRecord was = sealed.get();
            if (!now.sha256().equals(was.sha256()) || now.length() != was.length()) {
                problems.add(p + ": bytes changed since sealing (now " + now.length() + " bytes, sha256 " + now.sha256()
                        + "; sealed as " + was.length() + " bytes, sha256 " + was.sha256() + ")");
            } else if (now.events() != was.events() || now.firstSeq() != was.firstSeq() || now.lastSeq() != was.lastSeq()) {
                problems.add(p + ": seal record disagrees with the segment (events/first/last seq)");
            }
        } catch (IOException e) {
            problems.add(p + ": " + e.getMessage());
        }
    }
}
