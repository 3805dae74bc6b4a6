package io.flywheel.obs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jboss.logging.Logger;

/**
 * The systemd notification protocol ({@code sd_notify(3)}): datagrams such as {@code READY=1} sent to the Unix
 * datagram socket named by {@code NOTIFY_SOCKET} (a path, or an abstract name when it starts with '@').
 *
 * <p>The JDK's socket channels do Unix stream sockets only, so the datagram is sent through the Foreign Function and
 * Memory API (final in Java 22) by {@code io.flywheel.obs.ffm.UnixDatagramSender}, which is compiled separately for
 * release 22 and only loaded when the running JVM is 22 or newer. On an older JVM, notification is off with a
 * one-line warning. Sending never throws: a failed notification must not stop the service.
 */
public final class SystemdNotify implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SystemdNotify.class);
    static final String SENDER_CLASS = "io.flywheel.obs.ffm.UnixDatagramSender";

    /** Sends one datagram to a Unix datagram socket; implemented with FFM. */
    public interface Sender extends AutoCloseable {
        void send(byte[] datagram) throws IOException;

        @Override
        void close();
    }

    private final String socket;
    private final Sender sender;
    private volatile String lastError;

    private SystemdNotify(String socket, Sender sender) {
        this.socket = socket;
        this.sender = sender;
    }

    /** From {@code NOTIFY_SOCKET}; null when it is unset or notification is unavailable (warned once). */
    public static SystemdNotify fromEnvironment() {
        String socket = System.getenv("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) {
            return null;
        }
        try {
            return new SystemdNotify(socket, open(socket));
        } catch (IOException | UnsupportedOperationException e) {
            System.err.println("flywheel: warning: NOTIFY_SOCKET is set but systemd notification is off: " + e.getMessage());
            return null;
        }
    }

    /** A sender for a socket address (path or '@abstract'); throws UnsupportedOperationException below Java 22. */
    public static Sender open(String socket) throws IOException {
        int feature = Runtime.version().feature();
        if (feature < 22) {
            throw new UnsupportedOperationException("it needs Java 22 or newer (the Foreign Function & Memory API); "
                    + "this is Java " + feature);
        }
        try {
            // a constant class name: native-image resolves it at build time (registered in reachability-metadata.json)
            Class<?> c = Class.forName(SENDER_CLASS);
            return (Sender) c.getConstructor(String.class).newInstance(socket);
        } catch (java.lang.reflect.InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            throw new UnsupportedOperationException("cannot open " + socket + ": " + cause, cause);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new UnsupportedOperationException("the FFM sender is unavailable: " + e, e);
        }
    }

    /** Sends one state string, e.g. {@code READY=1}; failures are logged once per distinct message. */
    public void send(String state) {
        try {
            sender.send(state.getBytes(StandardCharsets.UTF_8));
            lastError = null;
        } catch (IOException | RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (!m.equals(lastError)) {
                LOG.warn("systemd notification to " + socket + " failed: " + m);
            }
            lastError = m;
        }
    }

    @Override
    public void close() {
        sender.close();
    }
}
