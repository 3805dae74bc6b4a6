package io.flywheel.testing;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.messages.ListMultipartUploadsResult;
import io.minio.messages.Upload;
import io.minio.messages.Item;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/** Runs the real {@code target/flywheel} executable and inspects a bucket through the MinIO client. */
public final class ShipTool {
    public record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit=" + exit + "\nstdout=" + stdout + "\nstderr=" + stderr;
        }
    }

    private ShipTool() {
    }

    public static Path binary() {
        return Path.of(System.getProperty("flywheel.binary", "target/flywheel"));
    }

    public static ProcessBuilder builder(S3Proxy s3, Map<String, String> envOverrides, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toAbsolutePath().toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("MINIO_") || k.startsWith("QUARKUS_MINIO"));
        env.put("MINIO_ENDPOINT", s3.endpoint());
        env.put("MINIO_ACCESS_KEY", s3.accessKey());
        env.put("MINIO_SECRET_KEY", s3.secretKey());
        env.putAll(envOverrides);
        return pb;
    }

    public static Result run(S3Proxy s3, String... args) throws IOException, InterruptedException {
        return run(s3, Map.of(), args);
    }

    public static Result run(S3Proxy s3, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(Path.of("target").toAbsolutePath(), "fw-out", ".txt");
        Path err = Files.createTempFile(Path.of("target").toAbsolutePath(), "fw-err", ".txt");
        try {
            Process p = builder(s3, env, List.of(args))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("flywheel " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8).trim(),
                    Files.readString(err, StandardCharsets.UTF_8).trim());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A fresh directory for one test under target/ship-it. */
    public static Path newDir(String name) throws IOException {
        Path p = Path.of("target", "ship-it", name + "-" + System.nanoTime()).toAbsolutePath();
        Files.createDirectories(p);
        return p;
    }

    /** The file names in a directory, sorted; empty when it does not exist. */
    public static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    public static MinioClient client(S3Proxy s3) {
        return MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
    }

    public static void createBucket(S3Proxy s3, String bucket) throws Exception {
        client(s3).makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
    }

    public static List<String> keys(S3Proxy s3, String bucket) throws Exception {
        List<String> keys = new ArrayList<>();
        for (io.minio.Result<Item> r : client(s3).listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        keys.sort(null);
        return keys;
    }

    /**
     * The segment names of the bucket's objects in key order, each object's content checked against the SHA-256 its
     * segment had ({@code sha256BySegment}); a test compares the list with the segments to show one object each.
     */
    public static List<String> verifiedSegmentNames(S3Proxy s3, String bucket, Map<String, String> sha256BySegment)
            throws Exception {
        List<String> names = new ArrayList<>();
        for (String k : keys(s3, bucket)) {
            String name = k.substring(k.lastIndexOf('/') + 1);
            names.add(name);
            String got = objectSha256(s3, bucket, k, false);
            if (!got.equals(sha256BySegment.get(name))) {
                throw new AssertionError(k + ": content sha256 " + got + ", the segment's " + sha256BySegment.get(name));
            }
        }
        return names;
    }

    public static MinioAsyncClient asyncClient(S3Proxy s3) {
        return MinioAsyncClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .region("us-east-1").build();
    }

    /** Incomplete multipart uploads in the bucket, as "key uploadId", straight from ListMultipartUploads. */
    public static List<String> incompleteUploads(S3Proxy s3, String bucket) throws Exception {
        List<String> out = new ArrayList<>();
        String keyMarker = null;
        String idMarker = null;
        while (true) {
            ListMultipartUploadsResult r = asyncClient(s3).listMultipartUploadsAsync(bucket, null, null, null, keyMarker,
                    1000, null, idMarker, null, null).get().result();
            for (Upload u : r.uploads()) {
                out.add(u.objectName() + " " + u.uploadId());
            }
            if (!r.isTruncated()) {
                return out;
            }
            keyMarker = r.nextKeyMarker();
            idMarker = r.nextUploadIdMarker();
        }
    }

    /**
     * One level of a listing with delimiter "/", as {@code aws s3 ls s3://bucket/prefix} shows it: the common
     * prefixes (ending in "/") and the objects directly under {@code prefix}, sorted.
     */
    public static List<String> ls(S3Proxy s3, String bucket, String prefix) throws Exception {
        List<String> out = new ArrayList<>();
        for (io.minio.Result<Item> r : client(s3).listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix)
                .delimiter("/").build())) {
            out.add(r.get().objectName());
        }
        out.sort(null);
        return out;
    }

    public static String sha256(InputStream in) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    /** sha256 of an object's content, gunzipped when {@code gzip}. */
    public static String objectSha256(S3Proxy s3, String bucket, String key, boolean gzip) throws Exception {
        try (InputStream raw = client(s3).getObject(GetObjectArgs.builder().bucket(bucket).object(key).build());
             InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
            return sha256(in);
        }
    }
}
