package io.flywheel.ship;

import io.flywheel.journal.DataDir;
import io.flywheel.journal.HighWaterMark;
import io.flywheel.journal.SegmentName;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.Item;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ships sealed segments of a data directory to an S3 bucket (MinIO), verifying every object before the local copy is
 * forgotten.
 * <ul>
 * <li>Only sealed {@code segments/*.jsonl} files are shipped, never the {@code .jsonl.open} segment being written.</li>
 * <li>One shipper per directory at a time: a pass holds {@code DIR/ship.lock} ({@link FileChannel#tryLock}); a pass
 * that finds it held does nothing and reports {@link ShipReport#busy()}.</li>
 * <li>Keys are deterministic ({@link ObjectKeys}); an object already at the key with the same sha256 (and length) is
 * taken as shipped, a different one is a conflict and is never overwritten (uploads use {@code If-None-Match: *}).</li>
 * <li>After the upload the object is stat'ed: size, sha256 metadata and (single-part) ETag = MD5 must match before
 * the local segment is moved to {@code shipped/} (or deleted when keep-shipped is 0).</li>
 * <li>Transient failures (unreachable, timeouts, 5xx, SlowDown) are retried with exponential backoff and full
 * jitter; then the pass stops and the backlog stays on disk. Credential or bucket errors stop at once.</li>
 * </ul>
 */
public final class Shipper {
    private static final Logger LOG = Logger.getLogger(Shipper.class);
    public static final String LOCK_FILE = "ship.lock";
    public static final String TMP_DIR = "ship-tmp";
    public static final String CONTENT_TYPE = "application/x-ndjson";

    private final DataDir dir;
    private final String host;
    private final ShipConfig config;
    private final S3Endpoint endpoint;
    private final MinioClient client;
    private volatile ShipProgress progress = ShipProgress.NONE;
    private volatile boolean bucketChecked;

    /** @param hostOverride host id for object keys instead of the directory's stored one (not persisted), or null */
    public Shipper(DataDir dir, String hostOverride, ShipConfig config, S3Endpoint endpoint) {
        this.dir = dir;
        this.host = hostOverride != null ? DataDir.sanitizeHost(hostOverride) : dir.host();
        this.config = config;
        this.endpoint = endpoint;
        this.client = MinioClient.builder()
                .endpoint(endpoint.url())
                .credentials(endpoint.accessKey(), endpoint.secretKey())
                .region(endpoint.region())
                .build();
        this.client.setTimeout(Duration.ofSeconds(10).toMillis(), Duration.ofSeconds(60).toMillis(),
                Duration.ofSeconds(60).toMillis());
    }

    public Shipper progress(ShipProgress p) {
        this.progress = p == null ? ShipProgress.NONE : p;
        return this;
    }

    public String host() {
        return host;
    }

    public ShipConfig config() {
        return config;
    }

    /** Sealed segments waiting in {@code segments/}, oldest first. */
    public static List<Path> sealedSegments(DataDir dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.segments(), "*" + SegmentName.SEALED_SUFFIX)) {
            for (Path p : ds) {
                // an in-progress twin means the seal is not finished (or a crash interrupted it): not shippable yet
                if (Files.isRegularFile(p) && !Files.exists(p.resolveSibling(p.getFileName() + ".open"))) {
                    out.add(p);
                }
            }
        }
        out.sort((a, b) -> {
            Optional<SegmentName> na = SegmentName.parse(a.getFileName().toString());
            Optional<SegmentName> nb = SegmentName.parse(b.getFileName().toString());
            if (na.isPresent() && nb.isPresent()) {
                return na.get().compareTo(nb.get());
            }
            return a.getFileName().toString().compareTo(b.getFileName().toString());
        });
        return out;
    }

    /** The unshipped backlog: the summed size of sealed {@code .jsonl} segments in {@code segments/} (for --max-backlog). */
    public static long backlogBytes(DataDir dir) throws IOException {
        long sum = 0;
        for (Path p : sealedSegments(dir)) {
            try {
                sum += Files.size(p);
            } catch (NoSuchFileException gone) {
                // shipped meanwhile
            }
        }
        return sum;
    }

    /** Ships every sealed segment now. Never throws: failures are in the report. */
    public synchronized ShipReport shipAll() {
        Path lockPath = dir.root().resolve(LOCK_FILE);
        try (FileChannel lockChannel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                return new ShipReport(0, 0, 0, 0, countPending(), null, true);
            }
            try {
                return persist(shipLocked());
            } finally {
                lock.release();
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("ship pass failed", e);
            return persist(new ShipReport(0, 0, 0, 0, countPending(), "local error: " + oneLine(e), false));
        }
    }

    /** Writes the pass's outcome to DIR/ship.state for {@code flywheel status}; never fails the pass. */
    private ShipReport persist(ShipReport r) {
        try {
            ShipState.record(dir, r.shipped(), r.failed(), r.pending(), r.error());
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not write " + ShipState.FILE, e);
        }
        return r;
    }

    private int countPending() {
        try {
            return sealedSegments(dir).size();
        } catch (IOException e) {
            return -1;
        }
    }

    private ShipReport shipLocked() throws IOException {
        Path tmpDir = dir.root().resolve(TMP_DIR);
        cleanTmp(tmpDir);
        pruneShipped();
        List<Path> segments = sealedSegments(dir);
        int shipped = 0, present = 0, failed = 0;
        long bytes = 0;
        String error = null;
        long total = 0;
        for (Path p : segments) {
            total += Files.size(p);
        }
        ShipProgress pr = progress;
        pr.begin(segments.size(), total);
        try {
            if (!segments.isEmpty()) {
                try {
                    ensureBucket();
                } catch (ShipException e) {
                    LOG.debug("bucket check failed", e);
                    return new ShipReport(0, 0, 0, 0, segments.size(), e.getMessage(), false);
                }
            }
            for (Path seg : segments) {
                if (Thread.currentThread().isInterrupted()) {
                    error = "interrupted";
                    break;
                }
                try {
                    Outcome o = shipOne(seg, tmpDir);
                    if (o.uploaded) {
                        shipped++;
                        bytes += o.bytes;
                    } else {
                        present++;
                    }
                    pr.segmentDone(seg.getFileName().toString());
                } catch (ShipException e) {
                    failed++;
                    error = e.getMessage();
                    LOG.debug("shipping " + seg.getFileName() + " failed", e);
                    if (e.kind() == ShipException.Kind.UNAVAILABLE || e.kind() == ShipException.Kind.FATAL) {
                        bucketChecked = false;
                        break;
                    }
                    LOG.warn(e.getMessage());
                }
            }
        } finally {
            pr.end();
            cleanTmp(tmpDir);
        }
        return new ShipReport(shipped, present, failed, bytes, sealedSegments(dir).size(), error, false);
    }

    private record Outcome(boolean uploaded, long bytes) {
    }

    private Outcome shipOne(Path seg, Path tmpDir) throws ShipException {
        String fileName = seg.getFileName().toString();
        SegmentName name = SegmentName.parse(fileName).orElseThrow(() -> new ShipException(ShipException.Kind.LOCAL,
                "skipping " + fileName + ": not a segment name", null));
        String key = ObjectKeys.key(config.prefix(), host, name, config.compression());
        String where = "s3://" + config.bucket() + "/" + key;
        SegmentDigest d;
        try {
            if (config.compression() == Compression.GZIP) {
                Files.createDirectories(tmpDir);
            }
            d = SegmentDigest.compute(seg, config.compression(), tmpDir.resolve(fileName + ".gz"));
        } catch (NoSuchFileException gone) {
            throw new ShipException(ShipException.Kind.LOCAL, fileName + " disappeared while shipping", gone);
        } catch (IOException e) {
            throw new ShipException(ShipException.Kind.LOCAL, "cannot read " + seg + ": " + oneLine(e), e);
        }
        try {
            Optional<StatObjectResponse> existing = stat(key);
            if (existing.isPresent()) {
                String diff = difference(existing.get(), d, false);
                if (diff != null) {
                    throw conflict(where, diff);
                }
                forgetLocal(seg, d.lastSeq());
                progress.advance(d.length());
                return new Outcome(false, 0);
            }
            boolean created = put(key, d, seg);
            StatObjectResponse st = stat(key).orElseThrow(() -> new ShipException(ShipException.Kind.UNAVAILABLE,
                    "uploaded " + where + " but it is not there on stat; will retry", null));
            String diff = difference(st, d, created);
            if (diff != null) {
                throw created
                        ? new ShipException(ShipException.Kind.CONFLICT, "verification of " + where + " failed (" + diff
                        + "); local segment kept", null)
                        : conflict(where, diff);
            }
            forgetLocal(seg, d.lastSeq());
            return created ? new Outcome(true, d.uploadSize()) : new Outcome(false, 0);
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

    private static ShipException conflict(String where, String diff) {
        return new ShipException(ShipException.Kind.CONFLICT, "a different object already exists at " + where + " ("
                + diff + "); not overwritten, local segment kept", null);
    }

    /** Null when the object holds this segment's content, else what differs. */
    private String difference(StatObjectResponse st, SegmentDigest d, boolean justUploaded) {
        Map<String, String> meta = st.userMetadata();
        String sha = metaValue(meta, "sha256");
        if (!d.sha256().equalsIgnoreCase(sha == null ? "" : sha)) {
            return "sha256 " + (sha == null ? "missing" : sha) + ", expected " + d.sha256();
        }
        String len = metaValue(meta, "length");
        if (len != null && !len.equals(Long.toString(d.length()))) {
            return "length " + len + ", expected " + d.length();
        }
        if (config.compression() == Compression.NONE || justUploaded) {
            if (st.size() != d.uploadSize()) {
                return "size " + st.size() + ", expected " + d.uploadSize();
            }
        }
        if (justUploaded) {
            String etag = st.etag() == null ? "" : st.etag().replace("\"", "");
            if (!etag.contains("-") && !etag.equalsIgnoreCase(d.uploadMd5())) {
                return "ETag " + etag + ", expected MD5 " + d.uploadMd5();
            }
        }
        return null;
    }

    private static String metaValue(Map<String, String> meta, String key) {
        if (meta == null) {
            return null;
        }
        for (Map.Entry<String, String> e : meta.entrySet()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (k.startsWith("x-amz-meta-")) {
                k = k.substring("x-amz-meta-".length());
            }
            if (k.equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private void forgetLocal(Path seg, long lastSeq) throws ShipException {
        try {
            // numbering must never restart below a segment that leaves the directory
            HighWaterMark.raiseDurably(dir, lastSeq);
            if (config.keepShipped().isZero()) {
                Files.deleteIfExists(seg);
            } else {
                Files.createDirectories(dir.shipped());
                Path target = dir.shipped().resolve(seg.getFileName());
                DataDir.move(seg, target);
                // keep-shipped counts from the moment of shipping
                Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
                DataDir.fsyncDirectory(dir.shipped());
            }
            DataDir.fsyncDirectory(dir.segments());
        } catch (IOException e) {
            throw new ShipException(ShipException.Kind.LOCAL, "shipped " + seg.getFileName()
                    + " but cannot move it out of segments/: " + oneLine(e), e);
        }
    }

    private void pruneShipped() {
        Path shippedDir = dir.shipped();
        if (!Files.isDirectory(shippedDir)) {
            return;
        }
        Instant cutoff = Instant.now().minus(config.keepShipped());
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(shippedDir, "*" + SegmentName.SEALED_SUFFIX)) {
            for (Path p : ds) {
                try {
                    if (config.keepShipped().isZero() || Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
                        Files.deleteIfExists(p);
                    }
                } catch (IOException e) {
                    LOG.warn("cannot prune " + p + ": " + oneLine(e));
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list " + shippedDir + ": " + oneLine(e));
        }
    }

    private static void cleanTmp(Path tmpDir) {
        if (!Files.isDirectory(tmpDir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.debug("cannot clean " + tmpDir, e);
        }
    }

    // ---- S3 calls, each retried on transient failures ----

    private void ensureBucket() throws ShipException {
        if (bucketChecked) {
            return;
        }
        String bucket = config.bucket();
        boolean exists = retrying("checking bucket " + bucket, () -> {
            try {
                Iterator<Result<Item>> it = client.listObjects(ListObjectsArgs.builder().bucket(bucket).maxKeys(1)
                        .build()).iterator();
                if (it.hasNext()) {
                    it.next().get();
                }
                return true;
            } catch (ErrorResponseException e) {
                if ("NoSuchBucket".equals(e.errorResponse().code())) {
                    return false;
                }
                throw e;
            }
        });
        if (!exists) {
            if (!config.createBucket()) {
                throw new ShipException(ShipException.Kind.FATAL, "bucket '" + bucket + "' does not exist at "
                        + endpoint.url() + " (create it, or pass --create-bucket)", null);
            }
            retrying("creating bucket " + bucket, () -> {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                } catch (ErrorResponseException e) {
                    String c = e.errorResponse().code();
                    if (!"BucketAlreadyOwnedByYou".equals(c) && !"BucketAlreadyExists".equals(c)) {
                        throw e;
                    }
                }
                return true;
            });
            LOG.info("created bucket " + bucket);
        }
        bucketChecked = true;
    }

    private Optional<StatObjectResponse> stat(String key) throws ShipException {
        return retrying("checking s3://" + config.bucket() + "/" + key, () -> {
            try {
                return Optional.of(client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(key).build()));
            } catch (ErrorResponseException e) {
                String c = e.errorResponse().code();
                if ("NoSuchKey".equals(c) || "NoSuchObject".equals(c) || "NotFound".equals(c)
                        || (e.response() != null && e.response().code() == 404 && !"NoSuchBucket".equals(c))) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** Uploads with If-None-Match: *; false when an object appeared at the key meanwhile (412). */
    private boolean put(String key, SegmentDigest d, Path seg) throws ShipException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("sha256", d.sha256());
        meta.put("length", Long.toString(d.length()));
        meta.put("events", Long.toString(d.events()));
        meta.put("first-seq", Long.toString(d.firstSeq()));
        meta.put("last-seq", Long.toString(d.lastSeq()));
        meta.put("host", host);
        meta.put("segment", seg.getFileName().toString());
        if (config.compression() != Compression.NONE) {
            meta.put("compression", config.compression().name().toLowerCase(Locale.ROOT));
        }
        return retrying("uploading s3://" + config.bucket() + "/" + key, () -> {
            long[] seen = {0};
            try (InputStream in = new CountingStream(Files.newInputStream(d.uploadFile()), d.uploadSize(), d.length(), seen)) {
                client.putObject(PutObjectArgs.builder()
                        .bucket(config.bucket())
                        .object(key)
                        .stream(in, d.uploadSize(), config.partSize())
                        .contentType(CONTENT_TYPE)
                        .headers(Map.of("If-None-Match", "*"))
                        .userMetadata(meta)
                        .build());
                return true;
            } catch (ErrorResponseException e) {
                String c = e.errorResponse().code();
                if ("PreconditionFailed".equals(c) || (e.response() != null && e.response().code() == 412)) {
                    return false;
                }
                throw e;
            } finally {
                // a failed attempt's bytes are counted again by the next one: rewind the progress
                if (seen[0] < d.length()) {
                    progress.advance(-seen[0]);
                } else {
                    progress.advance(0);
                }
            }
        });
    }

    /** Reports progress in units of uncompressed segment bytes. */
    private final class CountingStream extends FilterInputStream {
        private final double scale;
        private final long[] seen;
        private long read;

        CountingStream(InputStream in, long uploadSize, long length, long[] seen) {
            super(in);
            this.scale = uploadSize == 0 ? 1 : (double) length / uploadSize;
            this.seen = seen;
        }

        private void count(long n) {
            if (n > 0) {
                long before = (long) (read * scale);
                read += n;
                long after = (long) (read * scale);
                seen[0] += after - before;
                progress.advance(after - before);
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count(n);
            return n;
        }
    }

    @FunctionalInterface
    private interface S3Call<T> {
        T call() throws Exception;
    }

    private <T> T retrying(String what, S3Call<T> call) throws ShipException {
        for (int attempt = 0; ; attempt++) {
            ShipException failure;
            try {
                return call.call();
            } catch (Exception e) {
                failure = classify(what, e);
            }
            if (failure.kind() != ShipException.Kind.UNAVAILABLE || attempt >= config.retries()) {
                if (failure.kind() == ShipException.Kind.UNAVAILABLE && config.retries() > 0) {
                    throw new ShipException(failure.kind(), failure.getMessage() + " (gave up after "
                            + (attempt + 1) + " attempts; backlog kept on disk)", failure.getCause());
                }
                throw failure;
            }
            long capMs = config.retryCap().toMillis();
            long expMs = attempt >= 30 ? capMs : Math.min(capMs, config.retryBase().toMillis() << attempt);
            long sleep = ThreadLocalRandom.current().nextLong(expMs + 1); // full jitter
            LOG.debug(failure.getMessage() + "; retrying in " + sleep + " ms");
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ShipException(ShipException.Kind.UNAVAILABLE, what + ": interrupted", ie);
            }
        }
    }

    private ShipException classify(String what, Exception e) {
        ShipException.Kind unavailable = ShipException.Kind.UNAVAILABLE;
        ShipException.Kind fatal = ShipException.Kind.FATAL;
        if (e instanceof ErrorResponseException er) {
            String code = er.errorResponse() == null ? null : er.errorResponse().code();
            int status = er.response() == null ? 0 : er.response().code();
            String msg = er.errorResponse() == null ? null : er.errorResponse().message();
            if (code != null) {
                switch (code) {
                    case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" -> {
                        return new ShipException(fatal, what + ": the object store at " + endpoint.url()
                                + " rejected the credentials (" + code + "): check MINIO_ACCESS_KEY / MINIO_SECRET_KEY", e);
                    }
                    case "AccessDenied" -> {
                        return new ShipException(fatal, what + ": access denied by " + endpoint.url()
                                + " (wrong credentials or no permission on bucket '" + config.bucket() + "')", e);
                    }
                    case "NoSuchBucket" -> {
                        return new ShipException(fatal, "bucket '" + config.bucket() + "' does not exist at "
                                + endpoint.url() + " (create it, or pass --create-bucket)", e);
                    }
                    case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "OperationAborted",
                         "ServerBusy", "XMinioServerNotInitialized", "XMinioStorageFull" -> {
                        return new ShipException(unavailable, what + ": object store busy or failing (" + code + ")", e);
                    }
                    default -> {
                    }
                }
            }
            if (status >= 500 || status == 429 || status == 408) {
                return new ShipException(unavailable, what + ": object store answered HTTP " + status
                        + (code == null ? "" : " " + code), e);
            }
            return new ShipException(fatal, what + ": object store error " + (code == null ? "HTTP " + status : code)
                    + (msg == null ? "" : ": " + msg), e);
        }
        if (e instanceof ServerException se) {
            return new ShipException(unavailable, what + ": object store answered HTTP " + se.statusCode(), e);
        }
        if (e instanceof InvalidResponseException) {
            return new ShipException(unavailable, what + ": unexpected response from " + endpoint.url() + ": "
                    + oneLine(e), e);
        }
        if (e instanceof ConnectException) {
            return new ShipException(unavailable, what + ": cannot connect to " + endpoint.url() + " ("
                    + oneLine(e) + ")", e);
        }
        if (e instanceof UnknownHostException) {
            return new ShipException(unavailable, what + ": unknown host in " + endpoint.url(), e);
        }
        if (e instanceof InterruptedIOException) {
            return new ShipException(unavailable, what + ": timed out talking to " + endpoint.url(), e);
        }
        if (e instanceof SSLException) {
            return new ShipException(fatal, what + ": TLS failure with " + endpoint.url() + ": " + oneLine(e), e);
        }
        if (e instanceof NoSuchFileException || e instanceof InsufficientDataException) {
            return new ShipException(ShipException.Kind.LOCAL, what + ": local segment changed or vanished: "
                    + oneLine(e), e);
        }
        if (e instanceof IOException) {
            return new ShipException(unavailable, what + ": connection to " + endpoint.url() + " failed ("
                    + oneLine(e) + ")", e);
        }
        return new ShipException(fatal, what + ": " + oneLine(e), e);
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
