package io.flywheel.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The on-disk layout of a data directory, which operators, {@code tail -F} users and the shipper rely on:
 * <pre>
 * DIR/segments/*.jsonl        sealed segments
 * DIR/segments/*.jsonl.open   the segment being written (and, for about a second, the in-progress name of the one
 *                             just sealed, beside its sealed name)
 * DIR/current.jsonl           symlink to the segment being written, swapped atomically on every roll
 * DIR/rejected/               rejected input (JSONL records) and torn tails cut off by recovery
 * DIR/shipped/                segments kept after shipping (per --keep-shipped)
 * DIR/flywheel.properties     identity: instance id (random, per directory) and host id
 * DIR/seq.hwm                 highest sequence ever sealed, so numbering survives shipping and deletion
 * </pre>
 */
public final class DataDir {
    public static final String IDENTITY_FILE = "flywheel.properties";

    private final Path root;
    private final String instance;
    private final String host;

    private DataDir(Path root, String instance, String host) {
        this.root = root;
        this.instance = instance;
        this.host = host;
    }

    /** Opens (creating when needed) a data directory; {@code hostOverride} replaces the stored host id when given. */
    public static DataDir open(Path root, String hostOverride) throws IOException {
        Path abs = root.toAbsolutePath().normalize();
        refuseLinkedSubdirectories(abs);
        Files.createDirectories(abs.resolve("segments"));
        Files.createDirectories(abs.resolve("rejected"));
        Path idFile = abs.resolve(IDENTITY_FILE);
        Properties p = new Properties();
        if (Files.isRegularFile(idFile, LinkOption.NOFOLLOW_LINKS)) {
            try (var in = Files.newBufferedReader(idFile, StandardCharsets.UTF_8)) {
                p.load(in);
            }
        }
        String instance = p.getProperty("instance");
        String host = p.getProperty("host");
        boolean dirty = false;
        if (instance == null || !instance.matches("[0-9a-z]{1,32}")) {
            byte[] r = new byte[6];
            new SecureRandom().nextBytes(r);
            instance = HexFormat.of().formatHex(r);
            dirty = true;
        }
        String wantedHost = hostOverride != null ? sanitizeHost(hostOverride) : host != null ? host : sanitizeHost(localHostName());
        if (!wantedHost.equals(host)) {
            host = wantedHost;
            dirty = true;
        }
        if (dirty) {
            p.setProperty("instance", instance);
            p.setProperty("host", host);
            StringBuilder sb = new StringBuilder("# Flywheel data directory identity; instance names segments, host goes into object keys\n");
            sb.append("instance=").append(instance).append('\n').append("host=").append(host).append('\n');
            writeAtomically(abs, idFile, sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return new DataDir(abs, instance, host);
    }

    /** Subdirectories Flywheel writes into (the shipper's scratch space included). */
    private static final List<String> SUBDIRECTORIES = List.of("segments", "rejected", "shipped", "ship-tmp");

    /**
     * A subdirectory that is a symbolic link would make every write land wherever it points - possibly in a
     * directory of another user who planted it. The data directory itself may be a link (an operator's choice, made
     * above it); what is inside it must be real.
     */
    private static void refuseLinkedSubdirectories(Path abs) throws IOException {
        for (String name : SUBDIRECTORIES) {
            Path sub = abs.resolve(name);
            if (Files.isSymbolicLink(sub)) {
                throw new IOException(sub + " is a symbolic link (to " + Files.readSymbolicLink(sub) + "); Flywheel "
                        + "never writes through links in its data directory. Replace it with a real directory (or "
                        + "point --dir at the link's target)");
            }
            if (Files.exists(sub, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(sub, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(sub + " is not a directory; remove or rename it");
            }
        }
    }

    /** Opens an existing data directory, creating what is missing of it like {@link #open} (ship, which writes anyway). */
    public static DataDir existing(Path root, String hostOverride) throws IOException {
        return open(requireExisting(root), hostOverride);
    }

    /**
     * Opens an existing data directory for looking only (status, verify): creates and writes nothing. Instance and
     * host are read from {@value #IDENTITY_FILE}, or null when it is missing or incomplete.
     */
    public static DataDir readOnly(Path root) throws IOException {
        Path abs = requireExisting(root);
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(abs.resolve(IDENTITY_FILE), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            // never run here, or copied without it: identity unknown
        }
        return new DataDir(abs, p.getProperty("instance"), p.getProperty("host"));
    }

    private static Path requireExisting(Path root) throws NoSuchFileException {
        Path abs = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs.resolve("segments"))) {
            throw new NoSuchFileException(abs.toString(), null, "not a Flywheel data directory (no segments/)");
        }
        return abs;
    }

    /** Host ids go into object keys and file names: keep them to [a-z0-9._-]. */
    public static String sanitizeHost(String raw) {
        String s = raw.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-").replaceAll("^[.-]+", "");
        if (s.isEmpty()) {
            s = "localhost";
        }
        return s.length() > 63 ? s.substring(0, 63) : s;
    }

    private static String localHostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return Files.readString(Path.of("/etc/hostname")).trim();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e2) {
                return "localhost";
            }
        }
    }

    /** Write to a temp file, fsync it, rename over the target, fsync the directory. */
    public static void writeAtomically(Path dir, Path target, byte[] content) throws IOException {
        replace(target, content, true);
        fsyncDirectory(dir);
    }

    /**
     * Replaces {@code target}'s content whole: written under a fresh {@link #tempName} created O_EXCL (a name planted
     * in the directory, a link say, is never written through), fsynced first when {@code sync}, then renamed over it.
     */
    public static void replace(Path target, byte[] content, boolean sync) throws IOException {
        Path tmp = tempName(target, ".tmp");
        try {
            try (FileChannel ch = createExclusive(tmp)) {
                var buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (sync) {
                    ch.force(false);
                }
            }
            move(tmp, target);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * A fresh name beside {@code target} for writing its next content: {@code <name><suffix>.<random>}. Random, so
     * that nobody can plant something under it in advance; it is then created with O_EXCL ({@link #createExclusive}),
     * which refuses any existing name, a symbolic link included, instead of writing through it.
     */
    public static Path tempName(Path target, String suffix) {
        // O_EXCL is what protects the write; the random part only keeps a planted name from blocking it. A static
        // SecureRandom would be seeded at image build time in a native build, ThreadLocalRandom is seeded per process.
        long r = java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL;
        return target.resolveSibling(target.getFileName() + suffix + "." + HexFormat.of().toHexDigits(r).substring(4));
    }

    /** A name {@link #tempName} made (or the fixed {@code .tmp} names of older versions): left over by a crash, harmless. */
    public static boolean isTempName(String name) {
        return name.endsWith(".tmp") || name.matches(".*\\.tmp\\.[0-9a-f]{12}");
    }

    /** Creates a new file for writing; fails (without touching anything) when the name exists in any form. */
    public static FileChannel createExclusive(Path p) throws IOException {
        return FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("atomic rename not supported for " + from + " -> " + to, e);
        }
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    public Path root() {
        return root;
    }

    public Path segments() {
        return root.resolve("segments");
    }

    public Path rejected() {
        return root.resolve("rejected");
    }

    public Path shipped() {
        return root.resolve("shipped");
    }

    public Path current() {
        return root.resolve("current.jsonl");
    }

    public Path seqHighWater() {
        return root.resolve("seq.hwm");
    }

    /**
     * What the last ship pass did; its presence says the directory is shipped, so that seal records are worth the
     * part MD5s that spare the shipper its read of each segment.
     */
    public Path shipState() {
        return root.resolve("ship.state");
    }

    /** Held by {@code flywheel run} for its lifetime: one writer per directory. */
    public Path writerLock() {
        return root.resolve("run.lock");
    }

    /** Null for a {@link #readOnly} directory without identity. */
    public String instance() {
        return instance;
    }

    /** Null for a {@link #readOnly} directory without identity. */
    public String host() {
        return host;
    }

    public void checkWritable() {
        if (!Files.isWritable(root)) {
            throw new UncheckedIOException(new IOException(root + " is not writable"));
        }
    }
}
