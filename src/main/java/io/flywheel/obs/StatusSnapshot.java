package io.flywheel.obs;

import io.flywheel.ship.ShipState;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flywheel.config.ByteSize;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@code flywheel status} tells, from whichever source (a data directory's files, or a running server):
 * one record, printed either as a table or as one JSON object, so that both paths print the same thing.
 *
 * @param dir             the data directory (absolute), or null when unknown
 * @param writerLive      whether a {@code flywheel run} holds the directory's writer lock
 * @param writerPid       the pid in {@code run.lock} when live, else null
 * @param kept            durable events ever kept in this directory: the highest sequence number on disk
 *                        (sequences start at 1 and have no gaps), shipped-and-deleted segments included
 * @param keptLocal       envelope lines in local segments (segments/ sealed and open, plus shipped/)
 * @param rejected        reject records in {@code rejected/*.jsonl}
 * @param tornTails       torn tails cut off by recovery, kept as {@code rejected/*.torn-*}
 * @param segmentsOpen    in-progress segments ({@code .jsonl.open}; 1 while a writer is live)
 * @param segmentsSealed  sealed segments waiting in {@code segments/} to be shipped
 * @param segmentsShipped segments shipped by all ship passes so far (from {@code ship.state}); 0 when never shipped
 * @param shippedKept     shipped segments still kept locally in {@code shipped/}
 * @param backlogBytes    bytes of sealed segments waiting to be shipped
 * @param lastShip        the last ship pass, or null when none was recorded
 * @param live            live figures of a running (or the last) run, or null when unavailable
 */
public record StatusSnapshot(String dir, boolean writerLive, String writerPid, long kept, long keptLocal,
                             long rejected, long tornTails, long segmentsOpen, long segmentsSealed,
                             long segmentsShipped, long shippedKept, long backlogBytes, ShipState lastShip, Live live) {

    /**
     * Figures of a run, from its {@code metrics.prom} or asked from it directly; counters count since that run started.
     *
     * @param source       where they come from (a file path or a socket path)
     * @param running      false when they are the final figures of a run that has ended
     * @param ageSeconds   how old they are
     * @param droppedPerSubscriber events missed per subscriber name (its own, its peer, or "echo"), live and departed
     * @param ackP50Seconds NaN when the run has no acknowledged input
     */
    public record Live(String source, boolean running, double ageSeconds, long received, long kept, long rejected,
                       long ephemeral, long droppedTotal, Map<String, Long> droppedPerSubscriber, long subscribers,
                       boolean intakePaused, boolean diskTrouble, double fsyncP50Seconds, double fsyncP99Seconds,
                       double ackP50Seconds, double ackP99Seconds, long rejectsDropped, long memoryBytes,
                       long memoryLimitBytes, long memoryWaits) {
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** One JSON object (no trailing newline). Counts use the keys {@code kept} and {@code rejected}. */
    public String toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("dir", dir);
            g.writeBooleanField("writer_live", writerLive);
            if (writerPid != null) {
                g.writeStringField("writer_pid", writerPid);
            }
            g.writeNumberField("kept", kept);
            g.writeNumberField("kept_local", keptLocal);
            g.writeNumberField("rejected", rejected);
            g.writeNumberField("torn_tails", tornTails);
            g.writeObjectFieldStart("segments");
            g.writeNumberField("open", segmentsOpen);
            g.writeNumberField("sealed", segmentsSealed);
            g.writeNumberField("shipped", segmentsShipped);
            g.writeNumberField("shipped_kept", shippedKept);
            g.writeEndObject();
            g.writeNumberField("backlog_bytes", backlogBytes);
            if (lastShip != null) {
                g.writeObjectFieldStart("last_ship");
                g.writeStringField("time", lastShip.time());
                g.writeNumberField("shipped", lastShip.shipped());
                g.writeNumberField("failed", lastShip.failed());
                g.writeNumberField("pending", lastShip.pending());
                g.writeStringField("error", lastShip.error());
                g.writeStringField("last_success", lastShip.lastSuccess());
                g.writeStringField("error_class", lastShip.errorClass());
                g.writeNumberField("pending_bytes", lastShip.pendingBytes());
                g.writeNumberField("oldest_pending_age_seconds", lastShip.oldestPendingAgeSeconds(java.time.Instant.now()));
                g.writeNumberField("shipped_bytes_total", lastShip.bytesTotal());
                g.writeObjectFieldStart("failures_total");
                for (var e : new java.util.TreeMap<>(lastShip.failuresTotal()).entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            } else {
                g.writeNullField("last_ship");
            }
            if (live != null) {
                g.writeObjectFieldStart("live");
                g.writeStringField("source", live.source());
                g.writeBooleanField("running", live.running());
                g.writeNumberField("age_seconds", round3(live.ageSeconds()));
                g.writeNumberField("received", live.received());
                g.writeNumberField("kept", live.kept());
                g.writeNumberField("rejected", live.rejected());
                g.writeNumberField("rejects_dropped", live.rejectsDropped());
                g.writeNumberField("ephemeral", live.ephemeral());
                g.writeNumberField("dropped", live.droppedTotal());
                g.writeObjectFieldStart("dropped_per_subscriber");
                for (Map.Entry<String, Long> e : live.droppedPerSubscriber().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeNumberField("subscribers", live.subscribers());
                g.writeBooleanField("intake_paused", live.intakePaused());
                g.writeBooleanField("disk_trouble", live.diskTrouble());
                if (live.memoryLimitBytes() > 0) {
                    g.writeNumberField("memory_bytes", live.memoryBytes());
                    g.writeNumberField("memory_limit_bytes", live.memoryLimitBytes());
                    g.writeNumberField("memory_waits", live.memoryWaits());
                }
                writeSeconds(g, "fsync_p50_seconds", live.fsyncP50Seconds());
                writeSeconds(g, "fsync_p99_seconds", live.fsyncP99Seconds());
                writeSeconds(g, "ack_p50_seconds", live.ackP50Seconds());
                writeSeconds(g, "ack_p99_seconds", live.ackP99Seconds());
                g.writeEndObject();
            } else {
                g.writeNullField("live");
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void writeSeconds(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isNaN(v)) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, v);
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** A readable table, one figure per line. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        row(sb, "directory", dir);
        row(sb, "writer", writerLive ? "live (flywheel run, pid " + writerPid + ")" : "none (stopped)");
        row(sb, "kept", String.format(Locale.ROOT, "%,d events (highest sequence; %,d in local segments)", kept, keptLocal));
        row(sb, "rejected", String.format(Locale.ROOT, "%,d records%s", rejected,
                tornTails > 0 ? String.format(Locale.ROOT, " (+%d torn tails cut by recovery)", tornTails) : ""));
        row(sb, "segments", String.format(Locale.ROOT, "%d open, %d sealed (unshipped), %d shipped (%d kept in shipped/)",
                segmentsOpen, segmentsSealed, segmentsShipped, shippedKept));
        row(sb, "backlog", ByteSize.format(backlogBytes) + " waiting to ship");
        if (lastShip == null) {
            row(sb, "last ship", "never");
        } else {
            row(sb, "last ship", String.format(Locale.ROOT, "%s: %d shipped, %d failed, %d pending%s", lastShip.time(),
                    lastShip.shipped(), lastShip.failed(), lastShip.pending(),
                    lastShip.error() == null ? ", OK" : ", ERROR (" + lastShip.errorClass() + ") " + lastShip.error()));
            row(sb, "ship totals", String.format(Locale.ROOT, "%s uploaded; last success %s; failures %s; oldest "
                            + "pending %.0f s", ByteSize.format(lastShip.bytesTotal()),
                    lastShip.lastSuccess() == null ? "never" : lastShip.lastSuccess(),
                    lastShip.failuresTotal().isEmpty() ? "none" : new java.util.TreeMap<>(lastShip.failuresTotal()).toString(),
                    lastShip.oldestPendingAgeSeconds(java.time.Instant.now())));
        }
        if (live == null) {
            row(sb, "live", "no figures (no metrics.prom; start flywheel run to get them)");
        } else {
            row(sb, "live", String.format(Locale.ROOT, "%s, from %s (%.0f s old)",
                    live.running() ? "running" : "final figures of the last run", live.source(), live.ageSeconds()));
            row(sb, "  received", String.format(Locale.ROOT, "%,d", live.received()));
            row(sb, "  kept", String.format(Locale.ROOT, "%,d", live.kept()));
            row(sb, "  rejected", String.format(Locale.ROOT, "%,d%s", live.rejected(), live.rejectsDropped() == 0 ? ""
                    : String.format(Locale.ROOT, " (%,d records deleted by --max-rejected-bytes)", live.rejectsDropped())));
            row(sb, "  ephemeral", String.format(Locale.ROOT, "%,d", live.ephemeral()));
            StringBuilder d = new StringBuilder(String.format(Locale.ROOT, "%,d", live.droppedTotal()));
            if (!live.droppedPerSubscriber().isEmpty()) {
                d.append(" (");
                String sep = "";
                for (Map.Entry<String, Long> e : live.droppedPerSubscriber().entrySet()) {
                    d.append(sep).append("subscriber ").append(e.getKey()).append(": ").append(e.getValue());
                    sep = ", ";
                }
                d.append(')');
            }
            row(sb, "  dropped", d + String.format(Locale.ROOT, "; %d live subscribers", live.subscribers()));
            if (live.memoryLimitBytes() > 0) {
                row(sb, "  memory", String.format(Locale.ROOT, "%s of %s (--max-memory)%s", ByteSize.format(live.memoryBytes()),
                        ByteSize.format(live.memoryLimitBytes()), live.memoryWaits() == 0 ? ""
                                : String.format(Locale.ROOT, "; inputs waited for room %,d times", live.memoryWaits())));
            }
            row(sb, "  fsync", "p50 " + millis(live.fsyncP50Seconds()) + ", p99 " + millis(live.fsyncP99Seconds()));
            if (!Double.isNaN(live.ackP50Seconds())) {
                row(sb, "  ack", "p50 " + millis(live.ackP50Seconds()) + ", p99 " + millis(live.ackP99Seconds()));
            }
            if (live.intakePaused() || live.diskTrouble()) {
                row(sb, "  trouble", (live.intakePaused() ? "durable intake paused " : "")
                        + (live.diskTrouble() ? "disk writes failing" : ""));
            }
        }
        return sb.toString();
    }

    private static String millis(double seconds) {
        return Double.isNaN(seconds) ? "-" : String.format(Locale.ROOT, "%.3f ms", seconds * 1000);
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append(String.format(Locale.ROOT, "%-12s %s%n", key, value));
    }
}
