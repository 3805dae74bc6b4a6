package io.flywheel.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import io.flywheel.testing.Segments;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear reason in rejected/, is counted, and never stops or crashes ingest. */
class HostileInputIT {
    @TempDir
    Path tmp;

    @Test
    void everyKindOfBadLineIsRejectedWithItsReasonAndNothingGoodIsLost() throws Exception {
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        line(in, "{\"type\":\"done\",\"n\":1}");
        line(in, "this is not json");
        line(in, "[1,2,3]");
        line(in, "{\"type\":42}");
        line(in, "{\"kind\":\"done\"}");
        line(in, "{\"type\":\"done\"");
        in.write(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}', '\n'});
        in.write("{\"type\":\"done\",\"x\":\"a\u0000b\"}\n".getBytes(StandardCharsets.UTF_8));
        line(in, "{\"type\":\"done\",\"n\":2}\r"); // CRLF is fine
        line(in, "{\"type\":\"x\",\"big\":\"" + "b".repeat(3 << 20) + "\"}"); // over the 1 MiB default
        line(in, "{\"type\":\"../../../tmp/evil\",\"n\":3}"); // an unknown type: durable, never a file name
        line(in, "{\"type\":\"done\",\"n\":4}");
        Path input = tmp.resolve("in.jsonl");
        Files.write(input, in.toByteArray());
        Path dir = tmp.resolve("data");

        Flywheel.Result r = Flywheel.run(input, "run", "--dir", dir.toString());
        assertEquals(0, r.exit(), r.all());
        assertEquals(List.of("{\"type\":\"done\",\"n\":1}", "{\"type\":\"done\",\"n\":2}",
                        "{\"type\":\"../../../tmp/evil\",\"n\":3}", "{\"type\":\"done\",\"n\":4}"),
                Segments.lines(dir).stream().map(Segments.Line::event).toList());
        assertTrue(r.stderr().contains("4 kept, 0 ephemeral, 8 rejected"), r.stderr());

        List<String> records = rejectedRecords(dir);
        assertEquals(8, records.size(), records.toString());
        assertRecord(records.get(0), 2, "malformed JSON");
        assertTrue(records.get(0).contains("\"original\":\"this is not json\""));
        assertRecord(records.get(1), 3, "not a JSON object");
        assertRecord(records.get(2), 4, "not a string");
        assertRecord(records.get(3), 5, "missing \\\"type\\\" field");
        assertRecord(records.get(4), 6, "malformed JSON");
        assertRecord(records.get(5), 7, "invalid UTF-8");
        String b64 = Base64.getEncoder().encodeToString(new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}'});
        assertTrue(records.get(5).contains("\"original_base64\":\"" + b64 + "\""), records.get(5));
        assertRecord(records.get(6), 8, "NUL byte");
        assertRecord(records.get(7), 10, "exceeds --max-line-bytes");
        assertTrue(records.get(7).contains("\"truncated\":true"));
        assertTrue(records.get(7).contains("\"bytes\":" + ((3 << 20) + "{\"type\":\"x\",\"big\":\"\"}".length())), records.get(7));
        assertFalse(Files.exists(Path.of("/tmp/evil")));
        try (Stream<Path> s = Files.walk(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().contains("evil")), "event fields never become file names");
        }
    }

    @Test
    void aOneGibLineIsStreamedPastWithBoundedMemory() throws Exception {
        Path dir = tmp.resolve("data");
        ProcessBuilder pb = Flywheel.builder("run", "--dir", dir.toString());
        pb.environment().put("FLYWHEEL_JAVA_OPTS", "-Xmx48m"); // the JVM build; a native build has its own bound
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        try (OutputStream out = p.getOutputStream()) {
            out.write("{\"type\":\"done\",\"n\":1}\n{\"type\":\"x\",\"big\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'z');
            for (int i = 0; i < 1024; i++) {
                out.write(chunk);
            }
            out.write("\"}\n{\"type\":\"done\",\"n\":2}\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        String err = Files.readString(tmp.resolve("err.txt"));
        assertEquals(0, p.exitValue(), err);
        assertEquals(List.of("{\"type\":\"done\",\"n\":1}", "{\"type\":\"done\",\"n\":2}"),
                Segments.lines(dir).stream().map(Segments.Line::event).toList());
        List<String> records = rejectedRecords(dir);
        assertEquals(1, records.size());
        assertTrue(records.get(0).contains("\"bytes\":" + ((1L << 30) + "{\"type\":\"x\",\"big\":\"\"}".length())), records.get(0).substring(0, 300));
        assertTrue(Files.size(dir.resolve("rejected").resolve(rejectedFiles(dir).get(0).getFileName())) < 3 << 20,
                "only the head of an oversize line is kept");
    }

    private static void line(ByteArrayOutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    private static void assertRecord(String record, int lineNo, String reason) {
        assertTrue(record.contains("\"line\":" + lineNo + ","), record);
        assertTrue(record.contains("\"src\":\"stdin\""), record);
        assertTrue(record.contains(reason), "expected reason '" + reason + "' in " + record.substring(0, Math.min(300, record.length())));
    }

    private static List<Path> rejectedFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("rejected"))) {
            return s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    private static List<String> rejectedRecords(Path dir) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (Path p : rejectedFiles(dir)) {
            out.addAll(Files.readAllLines(p));
        }
        return out;
    }
}
