package io.flywheel.ingest;

import io.flywheel.bus.Broadcaster;
import io.flywheel.journal.Journal;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Accepts connections on a Unix domain socket and gives each its own {@link Connection} (producer) or
 * {@link TapSession} (subscriber, when the first line is a tap request). Producers feed the same {@link Ingest} as
 * stdin; the journal's sync callback wakes the ack writers.
 */
public final class SocketServer {
    private static final Logger LOG = Logger.getLogger(SocketServer.class);

    /** Limits: connections at once (taps included), un-acked lines per connection, the bytes a tap may hold. */
    public record Limits(int maxConnections, int maxUnackedLines, long tapBufferBytes) {
        public static final Limits DEFAULT = new Limits(1024, 16_384, Broadcaster.DEFAULT_BUFFER_BYTES);
    }

    private final UnixListener listener;
    private final Ingest ingest;
    private final Limits limits;
    private final Map<Connection, TapSession> taps = new ConcurrentHashMap<>();
    private final Map<Connection, Boolean> connections = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private volatile boolean stopping;
    private Thread acceptor;

    public SocketServer(UnixListener listener, Ingest ingest, Limits limits) {
        this.listener = listener;
        this.ingest = ingest;
        this.limits = limits;
    }

    private volatile java.util.function.Function<Boolean, String> status =
            json -> "{\"error\":\"status is not available yet\"}\n";

    /** What a {@code {"status":...}} request is answered with (true: one JSON line, false: the table). */
    public void statusProvider(java.util.function.Function<Boolean, String> provider) {
        this.status = provider;
    }

    String statusText(boolean json) {
        return status.apply(json);
    }

    public void start() {
        Journal journal = ingest.journal();
        journal.onSync(() -> {
            long t = journal.syncedTicket();
            boolean failed = journal.failure() != null;
            for (Connection c : connections.keySet()) {
                c.synced(t, failed);
            }
        });
        acceptor = Thread.ofPlatform().name("flywheel-accept").daemon().start(this::acceptLoop);
    }

    private void acceptLoop() {
        ServerSocketChannel server = listener.channel();
        while (!stopping) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // e.g. EMFILE: back off instead of spinning; existing connections go on
                LOG.warnf("accept failed: %s", e.getMessage());
                sleepQuietly(50);
                continue;
            }
            if (connections.size() >= limits.maxConnections()) {
                refused.incrementAndGet();
                refuse(ch, "too many connections (--max-connections " + limits.maxConnections() + ")");
                continue;
            }
            accepted.incrementAndGet();
            Connection c = new Connection(ids.incrementAndGet(), ch, ingest, this, limits.maxUnackedLines());
            connections.put(c, Boolean.TRUE);
            c.start();
        }
    }

    /** A fresh socket's send buffer is empty, so this short write cannot block the acceptor. */
    private static void refuse(SocketChannel ch, String why) {
        try (ch) {
            ch.write(java.nio.ByteBuffer.wrap(Frames.error(why)));
        } catch (IOException ignored) {
            // the client left already
        }
    }

    void startTap(Connection c, TapRequest request) throws IOException {
        TapSession session = new TapSession(c, request);
        taps.put(c, session);
        session.start(ingest.broadcaster(), ingest.journal(), peer(c), limits.tapBufferBytes());
    }

    /** A metrics label that stays the same across reconnects: the peer's user, from its socket credentials. */
    private static String peer(Connection c) {
        try {
            return "tap:" + c.channel().getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            return "tap";
        }
    }

    /** The tap client closed its side (or the server stops reading). */
    void endTap(Connection c) {
        TapSession s = taps.remove(c);
        if (s != null) {
            s.end();
        } else {
            c.closeQuietly();
        }
    }

    void closed(Connection c) {
        connections.remove(c);
        taps.remove(c);
    }

    /** Where it listens, for messages. */
    public String address() {
        return listener.address();
    }

    /** Producer connections (taps excluded): at stop, those still open wait for their acks. */
    public int producerCount() {
        return Math.max(0, connections.size() - taps.size());
    }

    public int connectionCount() {
        return connections.size();
    }

    public long refusedCount() {
        return refused.get();
    }

    public long acceptedCount() {
        return accepted.get();
    }

    /**
     * Stops accepting, stops reading, and waits (up to {@code grace}) until every producer connection got the ack
     * for what it sent before; connections still busy then (a client that does not read) are closed. Taps stay
     * until the broadcaster completes them ({@link #closeTaps}).
     */
    public void stop(Duration grace) throws InterruptedException {
        stopping = true;
        listener.close();
        long deadline = System.nanoTime() + grace.toNanos();
        for (Connection c : connections.keySet()) {
            if (!taps.containsKey(c)) {
                c.stopReading();
            }
        }
        for (Connection c : connections.keySet()) {
            if (!taps.containsKey(c) && !c.awaitDone(Math.max(0, deadline - System.nanoTime()))) {
                c.forceClose();
            }
        }
    }

    /** After the broadcaster completed: gives taps a moment to flush, then closes what is left. */
    public void closeTaps(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        for (Connection c : connections.keySet()) {
            if (!c.awaitDone(Math.max(0, deadline - System.nanoTime()))) {
                c.forceClose();
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
