package io.flywheel.obs;

import io.flywheel.ship.ShipState;
import io.flywheel.journal.DataDir;
import io.flywheel.journal.HighWaterMark;
import io.flywheel.journal.Recovery;
import io.flywheel.journal.SegmentName;
import io.flywheel.journal.SegmentReader;
import io.flywheel.stats.PromText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds a {@link StatusSnapshot} from a data directory's files and the caller's {@link WriterState}: works on a
 * stopped directory, changes nothing, and never touches {@code run.lock} (see {@link WriterState}).
 */
public final class DirStatus {
    private DirStatus() {
    }

    public static StatusSnapshot read(DataDir dir, WriterState writer) throws IOException {
        return read(dir, writer, null);
    }

    /**
     * As {@link #read(DataDir, WriterState)}, with the live figures given by the running process itself (for
     * {@code status --socket}) instead of read from {@code metrics.prom}.
     */
    public static StatusSnapshot read(DataDir dir, WriterState writer, StatusSnapshot.Live givenLive) throws IOException {
        boolean live = writer.live();
        long maxSeq = HighWaterMark.read(dir);
        long keptLocal = 0;
        long open = 0;
        long sealed = 0;
        long backlog = 0;
        for (Path p : Recovery.list(dir.segments())) {
            String name = p.getFileName().toString();
            boolean isOpen = SegmentName.isOpenFile(name);
            if (!isOpen && !name.endsWith(SegmentName.SEALED_SUFFIX)) {
                continue;
            }
            if (isOpen && Files.exists(p.resolveSibling(name.substring(0, name.length() - ".open".length())))) {
                continue; // the in-progress name of a segment sealed a moment ago: counted under its sealed name
            }
            try {
                long lines = SegmentReader.countLines(p);
                keptLocal += lines;
                maxSeq = Math.max(maxSeq, lines == 0 ? -1 : SegmentReader.lastSeq(p));
                if (isOpen) {
                    open++;
                } else {
                    sealed++;
                    backlog += Files.size(p);
                }
            } catch (NoSuchFileException gone) {
                // sealed, renamed or shipped meanwhile: the next status sees it
            }
        }
        long shippedKept = 0;
        for (Path p : Recovery.list(dir.shipped())) {
            if (p.getFileName().toString().endsWith(SegmentName.SEALED_SUFFIX)) {
                try {
                    keptLocal += SegmentReader.countLines(p);
                    shippedKept++;
                    maxSeq = Math.max(maxSeq, SegmentReader.lastSeq(p));
                } catch (NoSuchFileException gone) {
                    // pruned meanwhile
                }
            }
        }
        long rejected = 0;
        long torn = 0;
        for (Path p : Recovery.list(dir.rejected())) {
            String name = p.getFileName().toString();
            if (name.contains(".torn-")) {
                torn++;
            } else if (name.endsWith(".jsonl")) {
                try {
                    rejected += SegmentReader.countLines(p);
                } catch (NoSuchFileException gone) {
                    // removed by an operator
                }
            }
        }
        ShipState ship = ShipState.read(dir).orElse(null);
        long shipped = ship == null ? 0 : ship.shippedTotal();
        return new StatusSnapshot(dir.root().toString(), live, writer.pid(), Math.max(maxSeq, 0), keptLocal, rejected,
                torn, open, sealed, shipped, shippedKept, backlog, ship, givenLive != null ? givenLive : readMetrics(dir, live));
    }

    /** The live figures from {@code DIR/metrics.prom}, or null when there is none (or it cannot be parsed). */
    static StatusSnapshot.Live readMetrics(DataDir dir, boolean writerLive) throws IOException {
        Path file = dir.root().resolve(MetricsWriter.FILE);
        String text;
        double age;
        try {
            age = Math.max(0, (System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis()) / 1000.0);
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        return fromMetrics(text, file.toString(), writerLive, age);
    }

    /** Live figures from Prometheus text; null when it cannot be parsed. */
    public static StatusSnapshot.Live fromMetrics(String text, String source, boolean writerLive, double age) {
        PromText.Parsed m;
        try {
            m = PromText.parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        Map<String, Long> dropped = new LinkedHashMap<>();
        long droppedTotal = 0;
        for (PromText.Sample s : m.all("flywheel_subscriber_dropped_total")) {
            dropped.put(s.labels().getOrDefault("subscriber", "?"), (long) s.value());
            droppedTotal += (long) s.value();
        }
        boolean running = writerLive && m.value("flywheel_up") == 1;
        return new StatusSnapshot.Live(source, running, age, count(m, "flywheel_events_received_total"),
                count(m, "flywheel_events_kept_total"), count(m, "flywheel_events_rejected_total"),
                count(m, "flywheel_events_ephemeral_total"), droppedTotal, dropped, count(m, "flywheel_subscribers"),
                m.value("flywheel_intake_paused") == 1, m.value("flywheel_disk_trouble") == 1,
                m.value("flywheel_fsync_p50_seconds"), m.value("flywheel_fsync_p99_seconds"),
                m.value("flywheel_ack_p50_seconds"), m.value("flywheel_ack_p99_seconds"),
                count(m, "flywheel_rejects_dropped_total"), count(m, "flywheel_ingest_memory_bytes"),
                count(m, "flywheel_ingest_memory_limit_bytes"), count(m, "flywheel_ingest_memory_waits_total"));
    }

    private static long count(PromText.Parsed m, String name) {
        double v = m.value(name);
        return Double.isNaN(v) ? 0 : (long) v;
    }

}
