import io.flywheel.journal.DataDir;
import io.flywheel.journal.Envelope;
import io.flywheel.journal.SealRecord;
import io.flywheel.journal.SegmentName;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** java -cp target/classes bench/MakeSegments.java DIR COUNT MIB_EACH: sealed segments in the journal's format. */
public class MakeSegments {
    public static void main(String[] a) throws Exception {
        DataDir dir = DataDir.open(Path.of(a[0]), "bench-host");
        int count = Integer.parseInt(a[1]);
        long each = Long.parseLong(a[2]) << 20;
        DateTimeFormatter ts = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        byte[] src = "\"stdin\"".getBytes(StandardCharsets.US_ASCII);
        byte[] line = new byte[8192];
        Instant t = Instant.parse("2026-11-24T09:31:02.123Z");
        long seq = 1;
        java.util.Random rnd = new java.util.Random(42);
        for (int s = 0; s < count; s++) {
            SegmentName name = new SegmentName(t, dir.instance(), seq);
            Path open = dir.segments().resolve(name.openFileName());
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(open), 1 << 16)) {
                long written = 0;
                while (written < each) {
                    StringBuilder ev = new StringBuilder("{\"type\":\"tool_call\",\"id\":\"").append(Long.toHexString(rnd.nextLong()))
                            .append("\",\"tokens\":").append(rnd.nextInt(5000)).append(",\"text\":\"");
                    for (int i = 0, n = 100 + rnd.nextInt(400); i < n; i++) {
                        ev.append((char) ('a' + rnd.nextInt(26)));
                    }
                    byte[] e = ev.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
                    int len = Envelope.encode(line, 0, seq++, ts.format(t).getBytes(StandardCharsets.US_ASCII), src, e, 0, e.length);
                    os.write(line, 0, len);
                    written += len;
                    t = t.plusMillis(3);
                }
            }
            // as the journal seals: the seal record (SHA-256, events, seqs) exists before the sealed name does
            Path sealed = dir.segments().resolve(name.sealedFileName());
            Files.write(SealRecord.pathFor(sealed), SealRecord.compute(open, io.flywheel.journal.JournalConfig.DEFAULT_MD5_PART_SIZE).toBytes());
            DataDir.move(open, sealed);
        }
    }
}
