package io.minio;

import com.google.common.collect.Multimap;
import okhttp3.Response;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.concurrent.CompletableFuture;

/**
 * The one Flywheel class in minio-java's package, because {@link PartSource} is package-private: it is the SDK's
 * only way to send a file range with hashes the caller already has. Flywheel hashes each segment once (SHA-256 of
 * the whole, MD5 per part); with this the SDK neither buffers the part nor hashes it again. The body is sent as
 * {@code UNSIGNED-PAYLOAD} (as the SDK itself does over https) and protected by {@code Content-MD5}, which the
 * server checks.
 */
public final class FlywheelParts {
    private FlywheelParts() {
    }

    private static PartSource range(int partNumber, RandomAccessFile file, long offset, long length, String md5Base64)
            throws IOException {
        file.seek(offset);
        return new PartSource(partNumber, file, length, md5Base64, "UNSIGNED-PAYLOAD");
    }

    /** PUT of {@code length} bytes of {@code file} from {@code offset}; the caller closes the response. */
    public static CompletableFuture<Response> put(MinioAsyncClient client, String bucket, String key,
                                                  RandomAccessFile file, long offset, long length, String md5Base64,
                                                  Multimap<String, String> headers) throws Exception {
        return client.executePutAsync(StatObjectArgs.builder().bucket(bucket).object(key).build(), headers, null,
                range(1, file, offset, length, md5Base64), 0);
    }

    public static CompletableFuture<UploadPartResponse> uploadPart(MinioAsyncClient client, String bucket, String key,
                                                                   String uploadId, int partNumber,
                                                                   RandomAccessFile file, long offset, long length,
                                                                   String md5Base64) throws Exception {
        return client.uploadPartAsync(bucket, null, key, range(partNumber, file, offset, length, md5Base64), partNumber,
                uploadId, null, null);
    }
}
