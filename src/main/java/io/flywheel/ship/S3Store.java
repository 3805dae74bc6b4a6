package io.flywheel.ship;

import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.Multimap;
import io.minio.ListObjectsArgs;
import io.minio.FlywheelParts;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Part;
import io.minio.messages.Upload;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Response;
import org.jboss.logging.Logger;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The S3 requests Flywheel makes, each retried on transient failures ({@link S3Failures}). Uploads are conditional
 * where the server decides: {@code If-None-Match: *} on the PUT of a single-part object, and on
 * CompleteMultipartUpload - the request that creates a multipart object, where S3 and MinIO evaluate it.
 */
final class S3Store {
    private static final Logger LOG = Logger.getLogger(S3Store.class);

    private final MinioAsyncClient client;
    private final ShipConfig config;
    private final S3Endpoint endpoint;
    private final S3Failures failures;
    private volatile boolean bucketChecked;

    S3Store(S3Endpoint endpoint, ShipConfig config) {
        this.endpoint = endpoint;
        this.config = config;
        this.failures = new S3Failures(config, endpoint.url());
        MinioAsyncClient.Builder b = MinioAsyncClient.builder()
                .endpoint(endpoint.url())
                .credentials(endpoint.accessKey(), endpoint.secretKey())
                .region(endpoint.region());
        if (endpoint.url().startsWith("http://")) {
            // the SDK's default client sets up TLS even for plain http, parsing every PEM of SSL_CERT_FILE: a tenth
            // of a short `flywheel ship`'s CPU. Cleartext only, HTTP/1.1 as the SDK's own.
            b.httpClient(new OkHttpClient.Builder().protocols(List.of(Protocol.HTTP_1_1))
                    .connectionSpecs(List.of(ConnectionSpec.CLEARTEXT)).build(), true);
        }
        this.client = b.build();
        this.client.setTimeout(Duration.ofSeconds(10).toMillis(), Duration.ofSeconds(60).toMillis(),
                Duration.ofSeconds(60).toMillis());
    }

    S3Failures failures() {
        return failures;
    }

    /** Forget the bucket check after a pass failed, so that the next one asks again. */
    void recheckBucket() {
        bucketChecked = false;
    }

    void ensureBucket() throws ShipException {
        if (bucketChecked) {
            return;
        }
        String bucket = config.bucket();
        // a GET, not HEAD: only a response body names the cause (SignatureDoesNotMatch vs InvalidAccessKeyId)
        boolean exists = failures.retrying(ShipStep.CHECK_BUCKET, "checking bucket " + bucket, () -> {
            try {
                var it = client.listObjects(ListObjectsArgs.builder().bucket(bucket).maxKeys(1).build()).iterator();
                if (it.hasNext()) {
                    it.next().get();
                }
                return true;
            } catch (Exception e) {
                if ("NoSuchBucket".equals(S3Failures.code(e))) {
                    return false;
                }
                throw e;
            }
        });
        if (!exists) {
            if (!config.createBucket()) {
                throw new ShipException(ShipException.Kind.CONFIG, "bucket '" + bucket + "' does not exist at "
                        + endpoint.url() + " (create it, or pass --create-bucket)", null);
            }
            failures.retrying(ShipStep.CREATE_BUCKET, "creating bucket " + bucket, () -> {
                try {
                    client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build()).get();
                } catch (Exception e) {
                    String c = S3Failures.code(e);
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

    Optional<StatObjectResponse> stat(String key) throws ShipException {
        return failures.retrying(ShipStep.STAT, "checking " + where(key), () -> {
            try {
                return Optional.of(client.statObject(StatObjectArgs.builder().bucket(config.bucket()).object(key)
                        .build()).get());
            } catch (Exception e) {
                String c = S3Failures.code(e);
                if ("NoSuchKey".equals(c) || "NoSuchObject".equals(c) || "NotFound".equals(c)
                        || (S3Failures.status(e) == 404 && !"NoSuchBucket".equals(c))) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * Uploads {@code file} as one object; false when an object appeared at the key meanwhile (412). With
     * {@code sealCrc32c} (else -1) the bytes are checked against the seal record as they are sent.
     */
    boolean putIfAbsent(String key, Path file, long size, String md5Base64, long sealCrc32c,
                        Map<String, String> headers) throws ShipException {
        Multimap<String, String> h = ArrayListMultimap.create();
        headers.forEach(h::put);
        h.put("If-None-Match", "*");
        return failures.retrying(ShipStep.PUT, "uploading " + where(key), () -> {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r");
                 Response r = FlywheelParts.put(client, config.bucket(), key, raf, size, md5Base64,
                         () -> new SealCheckedSource(raf.getChannel(), 0, size, sealCrc32c, file.getFileName().toString()),
                         h).get()) {
                return true;
            } catch (Exception e) {
                if (preconditionFailed(e)) {
                    return false;
                }
                throw refused(file, key, e);
            }
        });
    }

    String createMultipart(String key, Map<String, String> headers) throws ShipException {
        Multimap<String, String> h = ArrayListMultimap.create();
        headers.forEach(h::put);
        return failures.retrying(ShipStep.CREATE_MULTIPART, "starting multipart upload of " + where(key),
                () -> client.createMultipartUploadAsync(config.bucket(), null, key, h, null).get().result().uploadId());
    }

    Part uploadPart(String key, String uploadId, int number, Path file, long offset, long length, String md5Base64,
                    long sealCrc32c) throws ShipException {
        return failures.retrying(ShipStep.UPLOAD_PART, "uploading part " + number + " of " + where(key), () -> {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                return new Part(number, FlywheelParts.uploadPart(client, config.bucket(), key, uploadId, number, raf,
                        length, md5Base64, () -> new SealCheckedSource(raf.getChannel(), offset, length, sealCrc32c,
                                file.getFileName() + " part " + number)).get().etag());
            } catch (Exception e) {
                throw refused(file, key, e);
            }
        });
    }

    /** Completes with {@code If-None-Match: *}; false when an object is at the key already (412): nothing replaced. */
    boolean completeIfAbsent(String key, String uploadId, List<Part> parts) throws ShipException {
        Multimap<String, String> h = ArrayListMultimap.create();
        h.put("If-None-Match", "*");
        return failures.retrying(ShipStep.COMPLETE, "completing " + where(key), () -> {
            try {
                client.completeMultipartUploadAsync(config.bucket(), null, key, uploadId, parts.toArray(new Part[0]),
                        h, null).get();
                return true;
            } catch (Exception e) {
                if (preconditionFailed(e)) {
                    return false;
                }
                throw e;
            }
        });
    }

    void abort(String key, String uploadId) throws ShipException {
        failures.retrying(ShipStep.ABORT, "aborting upload " + uploadId + " of " + where(key), () -> {
            try {
                client.abortMultipartUploadAsync(config.bucket(), null, key, uploadId, null, null).get();
            } catch (Exception e) {
                if (!"NoSuchUpload".equals(S3Failures.code(e))) {
                    throw e;
                }
            }
            return null;
        });
    }

    /** Incomplete multipart uploads of exactly {@code key}. */
    List<String> incompleteUploads(String key) throws ShipException {
        return failures.retrying(ShipStep.LIST_UPLOADS, "listing incomplete uploads of " + where(key), () -> {
            List<String> ids = new ArrayList<>();
            String keyMarker = null;
            String idMarker = null;
            while (true) {
                var r = client.listMultipartUploadsAsync(config.bucket(), null, null, null, keyMarker, 1000, key,
                        idMarker, null, null).get().result();
                for (Upload u : r.uploads()) {
                    if (key.equals(u.objectName())) {
                        ids.add(u.uploadId());
                    }
                }
                if (!r.isTruncated()) {
                    return ids;
                }
                keyMarker = r.nextKeyMarker();
                idMarker = r.nextUploadIdMarker();
            }
        });
    }

    String where(String key) {
        return "s3://" + config.bucket() + "/" + key;
    }

    /**
     * An upload refused for its content, as a CORRUPT failure of this segment alone (it stops neither the pass nor a
     * later attempt); nothing was stored. Either the bytes sent did not match the seal record's CRC32C
     * ({@link SealCheckedSource}: the body was cut short), or the server's MD5 of what it received differs from the
     * Content-MD5 sent (BadDigest: damaged on the way, or the record's MD5 is). Any other failure is returned for
     * {@link S3Failures} to classify.
     */
    private Exception refused(Path file, String key, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SealCheckedSource.SealMismatchException m) {
                return new ShipException(ShipException.Kind.CORRUPT, "refusing to ship " + file.getFileName()
                        + ": its bytes changed since sealing (" + m.getMessage() + "); nothing stored, kept locally, "
                        + "see `flywheel verify`", m);
            }
        }
        String code = S3Failures.code(e);
        if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
            return new ShipException(ShipException.Kind.CORRUPT, where(key) + ": the server received bytes whose MD5 "
                    + "differs from the one sent (" + code + "); nothing stored", e);
        }
        return e;
    }

    private static boolean preconditionFailed(Exception e) {
        return "PreconditionFailed".equals(S3Failures.code(e)) || S3Failures.status(e) == 412;
    }
}
