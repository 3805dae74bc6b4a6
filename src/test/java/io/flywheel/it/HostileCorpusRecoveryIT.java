package io.flywheel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What ingest accepts, recovery and verify accept: every line of a hostile corpus goes through a real socket server
 * between acknowledged events of two producers, the server is SIGKILLed, and the next start must keep every
 * acknowledged event (recovery never cuts an accepted line as invalid) and verify must pass.
 */
class HostileCorpusRecoveryIT {

    /** Lines that probe the edges of "valid": some are accepted, some rejected; none may break recovery. */
    static List<byte[]> corpus() {
        String deep999 = "{\"type\":\"done\",\"x\":" + "[".repeat(998) + "]".repeat(998) + "}";
        String deep1000 = "{\"type\":\"done\",\"x\":" + "[".repeat(999) + "]".repeat(999) + "}";
        return List.of(
                bytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, "{\"type\":\"done\",\"bom\":1}"),
                deep999.getBytes(StandardCharsets.UTF_8),
                deep1000.getBytes(StandardCharsets.UTF_8),
                ("{\"type\":\"done\",\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8),
                "   {\"type\":\"done\",\"leading\":\"spaces\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"trailing\":\"tab\"}\t \t".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\r\"cr\":1}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"lone\":\"\\ud800\",\"ls\":\"\u2028\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"do\\u006ee\",\"escaped\":true}".getBytes(StandardCharsets.UTF_8),
                ("{\"type\":\"done\",\"n\":" + "9".repeat(10_001) + "}").getBytes(StandardCharsets.UTF_8),
                ("{\"type\":\"done\",\"n\":" + "9".repeat(9_999) + "}").getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"ctl\":\"a\u0001b\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\"} trailing".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\"}{\"type\":\"done\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"type\":\"done\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":7}".getBytes(StandardCharsets.UTF_8),
                "[{\"type\":\"done\"}]".getBytes(StandardCharsets.UTF_8),
                "".getBytes(StandardCharsets.UTF_8),
                "    ".getBytes(StandardCharsets.UTF_8),
                new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'},
                new byte[] {'{', '"', 't', 'y', 'p', 'e', '"', ':', '"', 'd', 0, '"', '}'},
                "{\"type\":\"done\",\"s\":\"\\x\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\" /* comment */}".getBytes(StandardCharsets.UTF_8),
                "{'type':'done'}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"nan\":NaN}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"done\",\"x\":01}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"\"}".getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"\u00e9v\u00e9nement \ud83d\ude80\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(byte[] a, String b) {
        byte[] s = b.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[a.length + s.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(s, 0, out, a.length, s.length);
        return out;
    }

    @Test
    void everyAcknowledgedEventSurvivesACrashWhateverLinesWereAcceptedBetweenThem() throws Exception {
        Path dir = SocketKit.workDir("corpus");
        Path socket = dir.resolve("s.sock");
        Path data = dir.resolve("data");
        long acked;
        try (SocketKit.Server server = new SocketKit.Server(data, socket);
             SocketKit.Producer hostile = new SocketKit.Producer(socket);
             SocketKit.Producer good = new SocketKit.Producer(socket)) {
            long n = 0;
            for (int round = 0; round < 3; round++) {
                for (byte[] line : corpus()) {
                    good.send(SocketKit.events("g", n, 200));
                    n += 200;
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.write(line);
                    b.write('\n');
                    hostile.send(b.toByteArray());
                }
            }
            good.send(SocketKit.events("g", n, 200));
            n += 200;
            assertTrue(good.awaitAcked(n, Duration.ofSeconds(60)), "acked " + good.acked + " of " + n);
            assertTrue(hostile.awaitAcked(hostile.sentLines, Duration.ofSeconds(60)), "hostile lines answered");
            acked = good.acked;
            server.kill(); // SIGKILL: the open segment is left for recovery
        }
        SocketKit.Result restart = SocketKit.run(null, "run", "--dir", data.toString());
        assertEquals(0, restart.code(), restart.err());
        assertTrue(!restart.err().contains("cut "), "recovery must not cut accepted lines: " + restart.err());
        SocketKit.Result verify = SocketKit.run(null, "verify", "--dir", data.toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
        Map<String, Integer> ids = SocketKit.segmentIds(data);
        for (long i = 0; i < acked; i++) {
            assertEquals(1, ids.getOrDefault("g" + i, 0), "acknowledged g" + i + " kept once");
        }
    }

    @Test
    void aCleanlyStoppedJournalHoldingEveryAcceptedCorpusLineVerifies() throws Exception {
        Path dir = SocketKit.workDir("corpus-clean");
        Path in = dir.resolve("in.jsonl");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] line : corpus()) {
            b.write(line);
            b.write('\n');
        }
        java.nio.file.Files.write(in, b.toByteArray());
        SocketKit.Result run = SocketKit.run(in, "run", "--dir", dir.resolve("data").toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().contains("rejected"), run.err());
        SocketKit.Result verify = SocketKit.run(null, "verify", "--dir", dir.resolve("data").toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
    }
}
