package io.flywheel.ingest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The listening Unix domain socket: bound by us (then we own the socket file and remove it at the end) or inherited
 * from systemd socket activation (then systemd owns it).
 */
public final class UnixListener implements AutoCloseable {
    private final ServerSocketChannel channel;
    private final Path ownedPath;   // null when inherited
    private final Object ownedKey;  // the socket file's inode, so that we never remove a successor's socket

    private UnixListener(ServerSocketChannel channel, Path ownedPath, Object ownedKey) {
        this.channel = channel;
        this.ownedPath = ownedPath;
        this.ownedKey = ownedKey;
    }

    /** Why a socket cannot be set up, in words for the operator. */
    public static final class SetupException extends Exception {
        public SetupException(String message) {
            super(message);
        }
    }

    /**
     * Binds {@code path} with permissions {@code mode} (e.g. 0600). A stale socket file (nobody accepts on it, left
     * by a crash) is replaced; a live one (a connect succeeds) is refused. The socket is bound under a temporary
     * name, given its mode, then renamed into place, so it is never reachable with looser permissions.
     */
    public static UnixListener bind(Path path, int mode) throws IOException, SetupException {
        Path abs = path.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            BasicFileAttributes a = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isOther()) {
                throw new SetupException(abs + " exists and is not a socket; refusing to replace it");
            }
            if (isLive(abs)) {
                throw new SetupException("another process is already listening on " + abs
                        + " (another flywheel run?); stop it or choose another --socket");
            }
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        boolean viaTmp = tmp.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 100;
        Path bindAt = viaTmp ? tmp : abs;
        if (!viaTmp) {
            Files.deleteIfExists(abs);
        }
        Files.deleteIfExists(tmp);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            // a burst of agents connecting at once must queue, not fail: a full backlog makes a non-blocking connect fail
            // with EAGAIN (the kernel caps this at net.core.somaxconn)
            ch.bind(UnixDomainSocketAddress.of(bindAt), 4096);
            Files.setPosixFilePermissions(bindAt, permissions(mode));
            if (viaTmp) {
                Files.move(bindAt, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            Object key = Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return new UnixListener(ch, abs, key);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** The listening socket systemd passed as stdin ({@code StandardInput=socket}). */
    public static UnixListener inherited() throws IOException, SetupException {
        Channel ch = System.inheritedChannel();
        if (!(ch instanceof ServerSocketChannel server)) {
            throw new SetupException("--socket-activated: stdin is not a listening socket (got "
                    + (ch == null ? "no inherited channel" : ch.getClass().getSimpleName())
                    + "); the service needs StandardInput=socket and a .socket unit with ListenStream=/path");
        }
        if (!(server.getLocalAddress() instanceof UnixDomainSocketAddress)) {
            throw new SetupException("--socket-activated: the inherited socket is not a Unix domain socket ("
                    + server.getLocalAddress() + ")");
        }
        server.configureBlocking(true);
        return new UnixListener(server, null, null);
    }

    private static boolean isLive(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return probe.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            return false; // ECONNREFUSED: nobody accepts there any more
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < 9; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    public ServerSocketChannel channel() {
        return channel;
    }

    /** Where clients connect. */
    public String address() {
        if (ownedPath != null) {
            return ownedPath.toString();
        }
        try {
            return String.valueOf(channel.getLocalAddress());
        } catch (IOException e) {
            return String.valueOf(ownedPath);
        }
    }

    /** Stops listening; removes the socket file when it is ours and still the same file. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        if (ownedPath != null) {
            try {
                Object key = Files.readAttributes(ownedPath, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                if (key != null && key.equals(ownedKey)) {
                    Files.deleteIfExists(ownedPath);
                }
            } catch (IOException ignored) {
                // already gone
            }
        }
    }
}
