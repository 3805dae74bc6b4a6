package io.flywheel.testing;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.Envelope;
import io.flywheel.journal.SealRecord;
import io.flywheel.journal.SegmentName;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Writes sealed segments in the journal's format (envelope lines, SegmentName names) for tests and benchmarks. */
public final class SegmentFixtures {
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final byte[] SRC = "\"stdin\"".getBytes(StandardCharsets.US_ASCII);

    private SegmentFixtures() {
    }

    /**
     * Creates {@code count} sealed segments of about {@code bytesEach} bytes each in a data directory (opened or
     * created with the given host id), sequences continuing from 1, first events one hour apart from {@code start}.
     */
    public static List<Path> write(Path root, String host, int count, long bytesEach, Instant start) throws IOException {
        return write(root, host, count, bytesEach, start, "t");
    }

    /** As {@link #write(Path, String, int, long, Instant)}, with {@code tag} in every event (to vary the content). */
    public static List<Path> write(Path root, String host, int count, long bytesEach, Instant start, String tag)
            throws IOException {
        DataDir dir = DataDir.open(root, host);
        List<Path> out = new ArrayList<>();
        long seq = 1;
        byte[] line = new byte[4096];
        for (int s = 0; s < count; s++) {
            Instant t = start.plusSeconds(3600L * s);
            SegmentName name = new SegmentName(t, dir.instance(), seq);
            Path open = dir.segments().resolve(name.openFileName());
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(open), 1 << 16)) {
                long written = 0;
                int i = 0;
                while (written < bytesEach || i == 0) {
                    byte[] ts = TS.format(t.plusMillis(i)).getBytes(StandardCharsets.US_ASCII);
                    byte[] event = ("{\"type\":\"tool_call\",\"tag\":\"" + tag + "\",\"n\":" + seq + ",\"payload\":\"" + "x".repeat(100 + (int) (seq % 200)) + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
                    int len = Envelope.encode(line, 0, seq, ts, SRC, event, 0, event.length);
                    os.write(line, 0, len);
                    written += len;
                    seq++;
                    i++;
                }
            }
            Path sealed = dir.segments().resolve(name.sealedFileName());
            DataDir.move(open, sealed);
            out.add(sealed);
        }
        return out;
    }

    /** Writes the seal record of every sealed segment in {@code root/segments}, as versions before 0.3 did (no MD5s). */
    public static void sealRecords(Path root) throws IOException {
        sealRecords(root, 0);
    }

    /** As the journal seals: seal records with the MD5s of {@code md5PartSize} parts (none when 0). */
    public static void sealRecords(Path root, long md5PartSize) throws IOException {
        try (var files = Files.list(root.resolve("segments"))) {
            for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                Files.write(SealRecord.pathFor(p), SealRecord.compute(p, md5PartSize).toBytes());
            }
        }
    }
}
