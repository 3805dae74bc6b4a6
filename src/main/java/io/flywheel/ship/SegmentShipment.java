package io.flywheel.ship;

import io.flywheel.journal.SealRecord;
import io.flywheel.journal.SegmentName;
import io.flywheel.journal.SegmentRetention;
import io.minio.StatObjectResponse;
import io.minio.messages.Part;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Ships one sealed segment: take its digest from the seal record when that has the part checksums (the send is then
 * the only read, checked on the way) or else hash it once against the record, clear incomplete uploads a killed
 * pass left at its key, upload conditionally, verify the object against the locally known ETag, then let the data
 * directory forget the segment.
 */
final class SegmentShipment {
    private static final Logger LOG = Logger.getLogger(SegmentShipment.class);
    public static final String CONTENT_TYPE = "application/x-ndjson";

    record Outcome(boolean uploaded, long bytes) {
    }

    private final S3Store store;
    private final ShipConfig config;
    private final String host;
    private final SegmentRetention retention;
    private final Path tmpDir;
    private final ShipProgress progress;

    SegmentShipment(S3Store store, ShipConfig config, String host, SegmentRetention retention, Path tmpDir,
                    ShipProgress progress) {
        this.store = store;
        this.config = config;
        this.host = host;
        this.retention = retention;
        this.tmpDir = tmpDir;
        this.progress = progress;
    }

    Outcome ship(Path seg) throws ShipException {
        String fileName = seg.getFileName().toString();
        SegmentName name = SegmentName.parse(fileName).orElseThrow(() -> new ShipException(ShipException.Kind.LOCAL,
                "skipping " + fileName + ": not a segment name", null));
        String key = config.keyFormat().key(config.prefix(), host, name, config.compression());
        String where = store.where(key);
        Optional<SealRecord> record = uncompressedRecord(seg);
        Optional<SegmentDigest> recorded = record.flatMap(r -> recorded(seg, r));
        if (recorded.isPresent()) {
            try {
                return upload(seg, key, where, recorded.get());
            } catch (ShipException e) {
                boolean md5Refused = e.kind() == ShipException.Kind.CORRUPT
                        && !(e.getCause() instanceof SealCheckedSource.SealMismatchException);
                if (!md5Refused && e.kind() != ShipException.Kind.CONFLICT) {
                    throw e;
                }
                // The server disagrees with the record's MD5s: it refused them (BadDigest) or its ETag differs. Only
                // a read of the bytes tells a damaged record (then this is shipped, or found there already, below)
                // from a different object at the key or rot (refused below).
                LOG.infof("%s; checking %s against its seal record", e.getMessage(), fileName);
            }
        } else {
            // hashed while its parts go up: that takes a record (its SHA-256 goes into the metadata before the
            // content has been read) and several parts (a single PUT needs its MD5 before the first byte)
            Optional<SealRecord> sealed = record.filter(r -> r.length() > config.partSize());
            if (sealed.isPresent()) {
                abortIncomplete(key);
                if (store.stat(key).isEmpty()) {
                    return streamed(seg, key, sealed.get());
                }
            }
        }
        SegmentDigest d;
        try {
            if (config.compression() == Compression.GZIP) {
                Files.createDirectories(tmpDir);
            }
            d = SegmentDigest.compute(seg, config.compression(), tmpDir.resolve(fileName + ".gz"), config.partSize());
        } catch (NoSuchFileException gone) {
            throw new ShipException(ShipException.Kind.LOCAL, fileName + " disappeared while shipping", gone);
        } catch (IOException e) {
            throw new ShipException(ShipException.Kind.LOCAL, "cannot read " + seg + ": " + S3Failures.oneLine(e), e);
        }
        if (!d.sealed()) {
            LOG.infof("%s has no seal record (sealed by an older Flywheel, or a pass was killed while removing it "
                    + "with --keep-shipped 0): its checksum is computed now, so damage "
                    + "since sealing cannot be detected", fileName);
        }
        return upload(seg, key, where, d);
    }

    /**
     * The seal record of a segment uploaded as it is on disk (no gzip copy) whose size still matches it, or empty; a
     * record that cannot be read counts as none here (the full read says what is wrong).
     */
    private Optional<SealRecord> uncompressedRecord(Path seg) {
        if (config.compression() != Compression.NONE) {
            return Optional.empty();
        }
        try {
            Optional<SealRecord> r = SealRecord.read(seg);
            return r.isPresent() && Files.size(seg) == r.get().length() ? r : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The digest the seal record gives for this upload, without reading the segment: SHA-256, counts, and the part
     * MD5s (sent as Content-MD5; the ETag to verify follows from them) and CRC32Cs (each part is checked against its
     * own as it is sent, see {@link SealCheckedSource}). Empty when the record has no checksums for this part size.
     */
    private Optional<SegmentDigest> recorded(Path seg, SealRecord rec) {
        if (!rec.hasPartsFor(config.partSize())) {
            return Optional.empty();
        }
        return Optional.of(new SegmentDigest(rec.sha256(), rec.length(), rec.events(), rec.firstSeq(), rec.lastSeq(),
                true, seg, rec.length(), config.partSize(),
                rec.md5Parts().stream().map(HexFormat.of()::parseHex).toList(),
                rec.crc32cParts().stream().map(c -> Long.parseLong(c, 16)).toList()));
    }

    /** Uploads {@code d.uploadFile()} unless an object is at the key already, then verifies what the server holds. */
    private Outcome upload(Path seg, String key, String where, SegmentDigest d) throws ShipException {
        try {
            abortIncomplete(key);
            Optional<StatObjectResponse> existing = store.stat(key);
            if (existing.isPresent()) {
                return alreadyThere(seg, where, existing.get(), d);
            }
            boolean created;
            if (d.multipart()) {
                created = multipart(key, d); // advances part by part
            } else {
                created = store.putIfAbsent(key, d.uploadFile(), d.uploadSize(), d.partMd5Base64(0), d.sealCrc32c(0),
                        headers(d, seg));
                if (created) {
                    progress.advance(d.length()); // local bytes, as begin() counted them, whatever was sent
                }
            }
            StatObjectResponse st = store.stat(key).orElseThrow(() -> new ShipException(ShipException.Kind.UNAVAILABLE,
                    "uploaded " + where + " but it is not there on stat; will retry", null));
            if (!created) {
                return alreadyThere(seg, where, st, d);
            }
            String diff = ObjectCheck.difference(st, d, true);
            if (diff != null) {
                throw new ShipException(ShipException.Kind.CONFLICT, "verification of " + where + " failed (" + diff
                        + "); local segment kept", null);
            }
            forget(seg, d);
            return new Outcome(true, d.uploadSize());
        } finally {
            if (d.uploadFile() != seg) {
                try {
                    Files.deleteIfExists(d.uploadFile());
                } catch (IOException ignored) {
                    // cleaned on the next pass
                }
            }
        }
    }

    private Outcome alreadyThere(Path seg, String where, StatObjectResponse st, SegmentDigest d) throws ShipException {
        String diff = ObjectCheck.difference(st, d, false);
        if (diff != null) {
            throw new ShipException(ShipException.Kind.CONFLICT, "a different object already exists at " + where
                    + " (" + diff + "); not overwritten, local segment kept", null);
        }
        forget(seg, d);
        progress.advance(d.length());
        return new Outcome(false, 0);
    }

    /**
     * Hashes part {@code i + 1} while part {@code i} is being sent: one thread reads the segment once (SHA-256 and
     * the part MD5s, as {@link SegmentDigest#compute}), this one uploads each part as soon as its MD5 is known. The
     * complete waits for the whole read: bytes that no longer match the seal record abort the upload (CORRUPT), so a
     * damaged segment never becomes an object.
     */
    private Outcome streamed(Path seg, String key, SealRecord rec) throws ShipException {
        String fileName = seg.getFileName().toString();
        long size;
        try {
            size = Files.size(seg);
        } catch (IOException e) {
            throw new ShipException(ShipException.Kind.LOCAL, "cannot read " + seg + ": " + S3Failures.oneLine(e), e);
        }
        int count = (int) ((size + config.partSize() - 1) / config.partSize());
        List<CompletableFuture<byte[]>> md5s = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            md5s.add(new CompletableFuture<>());
        }
        CompletableFuture<SegmentDigest> digest = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("flywheel-ship-hash").start(() -> {
            try {
                digest.complete(SegmentDigest.compute(seg, Compression.NONE, null, config.partSize(), (i, md5) -> {
                    if (i < md5s.size()) {
                        md5s.get(i).complete(md5);
                    }
                }));
            } catch (Throwable t) {
                digest.completeExceptionally(t);
            }
            // a segment that changed size leaves parts unhashed: the upload stops waiting and finds out below
            md5s.forEach(f -> f.completeExceptionally(new IOException(fileName + " changed while being read")));
        });
        SegmentDigest announced = new SegmentDigest(rec.sha256(), rec.length(), rec.events(), rec.firstSeq(),
                rec.lastSeq(), true, seg, size, config.partSize(), List.of(), List.of());
        String uploadId = store.createMultipart(key, headers(announced, null));
        boolean completed = false;
        try {
            List<Part> parts = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] md5 = await(md5s.get(i), digest, fileName);
                long offset = i * config.partSize();
                long length = Math.min(config.partSize(), size - offset);
                parts.add(store.uploadPart(key, uploadId, i + 1, seg, offset, length,
                        Base64.getEncoder().encodeToString(md5), -1));
                progress.advance(length);
            }
            SegmentDigest d = await(digest, digest, fileName);
            completed = store.completeIfAbsent(key, uploadId, parts);
            if (!completed) {
                // refused (412): the upload stays open on the server until the finally aborts it
                return alreadyThere(seg, store.where(key), store.stat(key).orElseThrow(() -> new ShipException(
                        ShipException.Kind.UNAVAILABLE, "an object appeared at " + store.where(key)
                        + " and went again; will retry", null)), d);
            }
            StatObjectResponse st = store.stat(key).orElseThrow(() -> new ShipException(ShipException.Kind.UNAVAILABLE,
                    "uploaded " + store.where(key) + " but it is not there on stat; will retry", null));
            String diff = ObjectCheck.difference(st, d, true);
            if (diff != null) {
                throw new ShipException(ShipException.Kind.CONFLICT, "verification of " + store.where(key)
                        + " failed (" + diff + "); local segment kept", null);
            }
            forget(seg, d);
            return new Outcome(true, size);
        } finally {
            if (!completed) {
                try {
                    store.abort(key, uploadId);
                } catch (ShipException e) {
                    LOG.debugf("could not abort upload %s of %s (the next pass does): %s", uploadId, key, e.getMessage());
                }
            }
        }
    }

    /** The hashing thread's result; its failure (CORRUPT from the seal check, or a read error) as the pass expects. */
    private static <T> T await(CompletableFuture<T> f, CompletableFuture<SegmentDigest> digest, String fileName)
            throws ShipException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ShipException(ShipException.Kind.UNAVAILABLE, "interrupted", e);
        } catch (ExecutionException e) {
            // the hashing thread settles the digest before it fails the parts it never reached
            Throwable cause = digest.isCompletedExceptionally() ? digest.exceptionNow() : e.getCause();
            if (cause instanceof ShipException se) {
                throw se;
            }
            if (cause instanceof NoSuchFileException) {
                throw new ShipException(ShipException.Kind.LOCAL, fileName + " disappeared while shipping", cause);
            }
            throw new ShipException(ShipException.Kind.LOCAL, "cannot read " + fileName + ": "
                    + S3Failures.oneLine(cause), cause);
        }
    }

    /**
     * Parts are sent from the file with their precomputed MD5s; the object only comes into being at the conditional
     * complete. An upload that does not complete is aborted here, or by the next pass ({@link #abortIncomplete}).
     */
    private boolean multipart(String key, SegmentDigest d) throws ShipException {
        String uploadId = store.createMultipart(key, headers(d, null));
        boolean completed = false;
        try {
            List<Part> parts = new ArrayList<>(d.parts());
            for (int i = 0; i < d.parts(); i++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new ShipException(ShipException.Kind.UNAVAILABLE, "interrupted", null);
                }
                long offset = i * d.partSize();
                long length = Math.min(d.partSize(), d.uploadSize() - offset);
                parts.add(store.uploadPart(key, uploadId, i + 1, d.uploadFile(), offset, length, d.partMd5Base64(i),
                        d.sealCrc32c(i)));
                progress.advance((long) (length * (double) d.length() / Math.max(1, d.uploadSize())));
            }
            completed = store.completeIfAbsent(key, uploadId, parts);
            return completed;
        } finally {
            if (!completed) {
                try {
                    store.abort(key, uploadId);
                } catch (ShipException e) {
                    LOG.debugf("could not abort upload %s of %s (the next pass does): %s", uploadId, key, e.getMessage());
                }
            }
        }
    }

    /** Only uploads of this segment's own key: whatever else is incomplete in the bucket is not Flywheel's to judge. */
    private void abortIncomplete(String key) throws ShipException {
        for (String id : store.incompleteUploads(key)) {
            LOG.infof("aborting incomplete upload %s of %s left by an interrupted pass", id, store.where(key));
            store.abort(key, id);
        }
    }

    private Map<String, String> headers(SegmentDigest d, Path seg) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", CONTENT_TYPE);
        if (config.compression() == Compression.GZIP) {
            // what `aws s3 cp` and browsers expect: the object is NDJSON, stored gzip-encoded
            h.put("Content-Encoding", "gzip");
        }
        h.put("x-amz-meta-sha256", d.sha256());
        h.put("x-amz-meta-length", Long.toString(d.length()));
        h.put("x-amz-meta-events", Long.toString(d.events()));
        h.put("x-amz-meta-first-seq", Long.toString(d.firstSeq()));
        h.put("x-amz-meta-last-seq", Long.toString(d.lastSeq()));
        h.put("x-amz-meta-host", host);
        h.put("x-amz-meta-segment", d.uploadFile().getFileName().toString().replaceAll("\\.gz$", ""));
        h.put("x-amz-meta-checksum-source", d.sealed() ? "seal" : "ship");
        if (config.compression() != Compression.NONE) {
            h.put("x-amz-meta-compression", config.compression().name().toLowerCase(Locale.ROOT));
        }
        return h;
    }

    private void forget(Path seg, SegmentDigest d) throws ShipException {
        try {
            retention.shipped(seg, d.lastSeq());
        } catch (IOException e) {
            throw new ShipException(ShipException.Kind.LOCAL, "shipped " + seg.getFileName()
                    + " but cannot move it out of segments/: " + S3Failures.oneLine(e), e);
        }
    }
}
