package io.flywheel.ship;

import io.flywheel.journal.PartHashes;
import io.flywheel.journal.SealRecord;
import io.flywheel.journal.SegmentReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The one read of a sealed segment before it is shipped: SHA-256, length and line count of its content (checked
 * against the seal record), and the MD5 of every part of the bytes to upload (the segment itself, or a gzip copy
 * written to {@code tmp} in the same pass), from which the object's ETag is known before it exists. Never holds more
 * than a buffer of the file in memory.
 *
 * @param sealed      false when the segment has no seal record (sealed by an older version): then this pass is the
 *                    only checksum there is
 * @param sealCrc32cs the seal record's CRC32C of each part when this digest was taken from the record instead of
 *                    the bytes (each part is then checked as it is sent); empty otherwise
 */
record SegmentDigest(String sha256, long length, long events, long firstSeq, long lastSeq, boolean sealed,
                     Path uploadFile, long uploadSize, long partSize, List<byte[]> partMd5s, List<Long> sealCrc32cs) {

    private static final int BUF = 1 << 16;

    /** @throws ShipException CORRUPT when the bytes differ from the seal record */
    static SegmentDigest compute(Path segment, Compression compression, Path tmp, long partSize)
            throws IOException, ShipException {
        return compute(segment, compression, tmp, partSize, (i, md5) -> { });
    }

    /** Called with each part's MD5 as soon as the part has been read, so that its upload need not wait for the rest. */
    interface PartListener {
        void partHashed(int index, byte[] md5);
    }

    /** As {@link #compute(Path, Compression, Path, long)}, telling {@code listener} of every part's MD5 on the way. */
    static SegmentDigest compute(Path segment, Compression compression, Path tmp, long partSize, PartListener listener)
            throws IOException, ShipException {
        Optional<SealRecord> record = SealRecord.read(segment);
        // the seal record has the line count: counting newlines byte by byte would cost as much as the MD5s
        boolean countLines = record.isEmpty();
        MessageDigest sha = PartHashes.newDigest("SHA-256");
        PartHashes parts = new PartHashes(partSize, false, (i, md5, crc) -> listener.partHashed(i, md5));
        long size = Files.size(segment);
        long lines = 0;
        long lastLineStart = 0;
        long pos = 0;
        int last = -1;
        OutputStream gz = null;
        try (InputStream in = Files.newInputStream(segment)) {
            if (compression == Compression.GZIP) {
                gz = new GZIPOutputStream(new TeeToFile(Files.newOutputStream(tmp), parts), BUF);
            }
            byte[] buf = new byte[BUF];
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                if (gz != null) {
                    gz.write(buf, 0, n);
                } else {
                    parts.update(buf, 0, n);
                }
                for (int i = 0; countLines && i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
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
        long events = lines + (last != '\n' ? 1 : 0);
        String hex = HexFormat.of().formatHex(sha.digest());
        Path upload = compression == Compression.GZIP ? tmp : segment;
        parts.finish();
        List<byte[]> md5s = parts.md5s();
        if (record.isPresent()) {
            SealRecord r = record.get();
            if (!r.sha256().equals(hex) || r.length() != size) {
                throw new ShipException(ShipException.Kind.CORRUPT, "refusing to ship " + segment.getFileName()
                        + ": its bytes changed since sealing (now " + size + " bytes, sha256 " + hex + "; sealed as "
                        + r.length() + " bytes, sha256 " + r.sha256() + "); kept locally, see `flywheel verify`", null);
            }
            return new SegmentDigest(hex, size, r.events(), r.firstSeq(), r.lastSeq(), true, upload,
                    Files.size(upload), partSize, md5s, List.of());
        }
        long first = SegmentReader.seqAt(segment, 0);
        long lastSeq = SegmentReader.seqAt(segment, lastLineStart);
        if (first < 0 || lastSeq < 0) {
            throw new IOException(segment + " is not a Flywheel segment (no envelope at "
                    + (first < 0 ? "line 1" : "its last line") + ")");
        }
        return new SegmentDigest(hex, size, events, first, lastSeq, false, upload, Files.size(upload), partSize, md5s, List.of());
    }

    int parts() {
        return partMd5s.size();
    }

    boolean multipart() {
        return partMd5s.size() > 1;
    }

    /** The seal-time CRC32C to check part {@code index} against as it is sent, or -1 for none. */
    long sealCrc32c(int index) {
        return sealCrc32cs.isEmpty() ? -1 : sealCrc32cs.get(index);
    }

    String partMd5Base64(int index) {
        return Base64.getEncoder().encodeToString(partMd5s.get(index));
    }

    /** The ETag S3 gives the object: MD5 of the bytes, or MD5 of the part MD5s and "-N" for N parts. */
    String expectedEtag() {
        if (!multipart()) {
            return HexFormat.of().formatHex(partMd5s.get(0));
        }
        MessageDigest md5 = PartHashes.newDigest("MD5");
        for (byte[] p : partMd5s) {
            md5.update(p);
        }
        return HexFormat.of().formatHex(md5.digest()) + "-" + partMd5s.size();
    }

    /** Writes the gzip output to its file and to the part hashes. */
    private static final class TeeToFile extends OutputStream {
        private final OutputStream file;
        private final PartHashes hashes;

        TeeToFile(OutputStream file, PartHashes hashes) {
            this.file = file;
            this.hashes = hashes;
        }

        @Override
        public void write(int b) throws IOException {
            file.write(b);
            hashes.update(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            file.write(b, off, len);
            hashes.update(b, off, len);
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }
}
