package io.flywheel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flywheel.testing.Flywheel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code flywheel follow} on a live directory shows what the writer has fsynced, not what it has only written: a
 * line in the file but not synced could still be taken back (a power cut, a disk given up on) and its seq given to
 * another event, which a reader that resumes by seq would then never see.
 */
class FollowKeptIT {
    @Test
    void followShowsWhatIsKeptNotWhatIsOnlyWritten() throws Exception {
        Path work = SocketKit.workDir("follow-kept");
        Path dir = work.resolve("data");
        Path sock = work.resolve("s.sock");
        // the third fsync of the segment never returns: what it covers is in the file, never kept
        try (SocketKit.Server server = new SocketKit.Server(Map.of("FLYWHEEL_FAULT", "hold:segment-sync:3"), dir, sock);
             SocketKit.Producer p = new SocketKit.Producer(sock)) {
            p.send(SocketKit.events("k", 1, 1));
            assertTrue(p.awaitAcked(1, Duration.ofSeconds(10)));
            p.send(SocketKit.events("k", 2, 1));
            assertTrue(p.awaitAcked(2, Duration.ofSeconds(10)));
            p.send(SocketKit.events("k", 3, 10));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (SocketKit.segmentIds(dir).size() < 12) { // written, the sync held
                assertTrue(System.nanoTime() < deadline, "written: " + SocketKit.segmentIds(dir));
                Thread.sleep(20);
            }
            Flywheel.Result r = Flywheel.run(null, "follow", "--dir", dir.toString());
            assertEquals(0, r.exit(), r.all());
            List<String> lines = r.stdout().lines().toList();
            assertEquals(2, lines.size(), "the two kept events, not the ten only written: " + r.stdout());
            assertTrue(lines.get(0).contains("\"id\":\"k1\"") && lines.get(1).contains("\"id\":\"k2\""), r.stdout());
            assertEquals(2, p.acked);
            server.kill();
        }
        // with no writer, the files are what recovery keeps: every whole line
        Flywheel.Result after = Flywheel.run(null, "follow", "--dir", dir.toString());
        assertEquals(12, after.stdout().lines().count(), after.all());
        assertTrue(Files.exists(dir.resolve("synced.seq")));
    }
}
