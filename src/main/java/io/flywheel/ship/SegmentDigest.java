package io.flywheel.ship;

import io.flywheel.journal.SegmentReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/**
 * One streaming pass over a sealed segment: sha256 and length of the content, event count, first and last sequence
 * numbers, and the bytes to upload (the segment itself, or a gzip copy written to {@code tmp}) with their MD5.
 * Never holds more than a buffer of the file in memory.
 */
record SegmentDigest(String sha256, long length, long events, long firstSeq, long lastSeq,
                     Path uploadFile, long uploadSize, String uploadMd5) {

    private static final int BUF = 1 << 16;

    static SegmentDigest compute(Path segment, Compression compression, Path tmp) throws IOException {
        MessageDigest sha = digest("SHA-256");
        MessageDigest md5 = digest("MD5");
        long size = Files.size(segment);
        long events = 0;
        long lastLineStart = 0;
        long pos = 0;
        int last = -1;
        OutputStream gz = null;
        try (InputStream in = Files.newInputStream(segment)) {
            if (compression == Compression.GZIP) {
                gz = new GZIPOutputStream(new DigestOutputStream(Files.newOutputStream(tmp), md5), BUF);
            }
            byte[] buf = new byte[BUF];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                if (gz != null) {
                    gz.write(buf, 0, n);
                } else {
                    md5.update(buf, 0, n);
                }
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        events++;
                        if (pos + i + 1 < size) {
                            lastLineStart = pos + i + 1;
                        }
                    }
                }
                last = buf[n - 1];
                pos += n;
            }
            if (gz != null) {
                gz.close();
                gz = null;
            }
        } finally {
            if (gz != null) {
                try {
                    gz.close();
                } catch (IOException ignored) {
                    // the original failure matters more
                }
            }
        }
        if (pos != size) {
            throw new IOException(segment + " changed while being read (" + size + " -> " + pos + " bytes)");
        }
        if (size == 0) {
            throw new IOException(segment + " is empty: not a sealed segment");
        }
        if (last != '\n') {
            events++;
        }
        long first = SegmentReader.seqAt(segment, 0);
        long lastSeq = SegmentReader.seqAt(segment, lastLineStart);
        if (first < 0 || lastSeq < 0) {
            throw new IOException(segment + " is not a Flywheel segment (no envelope at "
                    + (first < 0 ? "line 1" : "its last line") + ")");
        }
        Path upload = compression == Compression.GZIP ? tmp : segment;
        return new SegmentDigest(HexFormat.of().formatHex(sha.digest()), size, events, first, lastSeq, upload,
                Files.size(upload), HexFormat.of().formatHex(md5.digest()));
    }


    private static MessageDigest digest(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(alg + " not available", e);
        }
    }
}
