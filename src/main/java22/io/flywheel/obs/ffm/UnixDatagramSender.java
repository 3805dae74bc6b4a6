package io.flywheel.obs.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.flywheel.obs.SystemdNotify;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * Sends datagrams over an {@code AF_UNIX}/{@code SOCK_DGRAM} socket with libc's {@code socket}, {@code sendto} and
 * {@code close} (Linux), through the Foreign Function and Memory API. Compiled for release 22 in its own source
 * directory; loaded by {@link SystemdNotify} only on Java 22+. The downcall shapes are registered for native-image in
 * {@code native/config/reachability-metadata.json}.
 */
public final class UnixDatagramSender implements SystemdNotify.Sender {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_MAX = 108;

    private static final MethodHandle SOCKET;
    private static final MethodHandle SENDTO;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        SOCKET = linker.downcallHandle(libc.find("socket").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        SENDTO = linker.downcallHandle(libc.find("sendto").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private final MemorySegment address;
    private final int addressLength;
    private final int fd;
    private final String name;
    private boolean closed;

    public UnixDatagramSender(String socketAddress) throws IOException {
        this.name = socketAddress;
        byte[] path = socketAddress.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = path.length > 0 && path[0] == '@';
        if (path.length == 0 || path.length >= SUN_PATH_MAX) {
            throw new IOException("bad Unix socket address (empty or longer than " + (SUN_PATH_MAX - 1) + " bytes): " + socketAddress);
        }
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        address = Arena.ofAuto().allocate(2 + SUN_PATH_MAX, 2); // freed by the GC (no shared arena: native-image)
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        for (int i = 0; i < path.length; i++) {
            address.set(JAVA_BYTE, 2 + i, abstractName && i == 0 ? 0 : path[i]);
        }
        // abstract names are exactly their bytes (leading NUL, no terminator); paths are NUL-terminated
        addressLength = 2 + path.length + (abstractName ? 0 : 1);
        try {
            fd = (int) SOCKET.invokeExact(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed: " + t, t);
        }
        if (fd < 0) {
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed");
        }
    }

    @Override
    public synchronized void send(byte[] datagram) throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        long sent;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buf = call.allocate(Math.max(1, datagram.length));
            MemorySegment.copy(datagram, 0, buf, JAVA_BYTE, 0, datagram.length);
            sent = (long) SENDTO.invokeExact(fd, buf, (long) datagram.length, MSG_NOSIGNAL, address, addressLength);
        } catch (Throwable t) {
            throw new IOException("sendto " + name + " failed: " + t, t);
        }
        if (sent != datagram.length) {
            throw new IOException("sendto " + name + " failed (no listener on the socket?)");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // nothing to do about a failed close
        }
    }
}
