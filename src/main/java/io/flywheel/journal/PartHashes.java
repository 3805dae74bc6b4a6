package io.flywheel.journal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The MD5 (and, when asked, the CRC32C) of each consecutive {@code partSize} slice of a byte stream: the checksums an
 * S3 multipart upload is made of. The journal takes them of the bytes it writes (seal records), ship of the bytes it
 * reads when a record has none. An empty stream is one empty part. One thread at a time.
 */
public final class PartHashes {
    /** Told of each part as soon as it is complete, so that its upload need not wait for the rest. */
    public interface Listener {
        void partDone(int index, byte[] md5, int crc32c);
    }

    private static final Listener NONE = (i, md5, crc) -> { };

    private final long partSize;
    private final MessageDigest md5 = newDigest("MD5");
    private final CRC32C crc; // null: not asked for
    private final Listener listener;
    private final List<byte[]> md5s = new ArrayList<>();
    private final List<Integer> crc32cs = new ArrayList<>();
    private long inPart;

    public PartHashes(long partSize, boolean withCrc32c, Listener listener) {
        if (partSize < 1) {
            throw new IllegalArgumentException("part size must be positive: " + partSize);
        }
        this.partSize = partSize;
        this.crc = withCrc32c ? new CRC32C() : null;
        this.listener = listener == null ? NONE : listener;
    }

    public void update(byte[] b, int off, int len) {
        while (len > 0) {
            int n = (int) Math.min(len, partSize - inPart);
            md5.update(b, off, n);
            if (crc != null) {
                crc.update(b, off, n);
            }
            inPart += n;
            off += n;
            len -= n;
            if (inPart == partSize) {
                endPart();
            }
        }
    }

    /** Ends the last part, if it has bytes or is the only one; call once, after the last update. */
    public void finish() {
        if (inPart > 0 || md5s.isEmpty()) {
            endPart();
        }
    }

    public long partSize() {
        return partSize;
    }

    /** Each part's MD5, in order. */
    public List<byte[]> md5s() {
        return md5s;
    }

    /** Each part's CRC32C, in order; empty when not asked for. */
    public List<Integer> crc32cs() {
        return crc32cs;
    }

    private void endPart() {
        byte[] digest = md5.digest();
        int c = 0;
        if (crc != null) {
            c = (int) crc.getValue();
            crc.reset();
            crc32cs.add(c);
        }
        md5s.add(digest);
        inPart = 0;
        listener.partDone(md5s.size() - 1, digest, c);
    }

    /** A JDK digest every platform has (MD5, SHA-256); a missing one is a broken JDK, not an I/O error. */
    public static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " not available", e);
        }
    }
}
