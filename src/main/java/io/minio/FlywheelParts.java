package io.minio;

import com.google.common.collect.Multimap;
import okhttp3.Response;
import okio.Source;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.concurrent.CompletableFuture;

/**
 * The one Flywheel class in minio-java's package, because {@link PartSource} is package-private: it is the SDK's
 * only way to send a body with hashes the caller already has. Flywheel knows each part's MD5 before sending it
 * (from the seal record, or from its one read of the segment), and gives the body as its own {@link Source} (which
 * checks the bytes against the seal record as they go); with this the SDK neither buffers the part nor hashes it
 * again. The body is sent as {@code UNSIGNED-PAYLOAD} (as the SDK itself does over https) and protected by
 * {@code Content-MD5}, which the server checks.
 */
public final class FlywheelParts {
    private FlywheelParts() {
    }

    /** Opens a part's body; called again when the request is sent again. */
    @FunctionalInterface
    public interface Body {
        Source open() throws IOException;
    }

    private static PartSource part(int partNumber, RandomAccessFile file, long length, String md5Base64, Body body)
            throws IOException {
        return new PartSource(partNumber, file, length, md5Base64, "UNSIGNED-PAYLOAD") {
            @Override
            public Source source() throws IOException {
                return body.open();
            }
        };
    }

    /** PUT of {@code length} bytes from {@code body}; the caller closes the response. */
    public static CompletableFuture<Response> put(MinioAsyncClient client, String bucket, String key,
                                                  RandomAccessFile file, long length, String md5Base64, Body body,
                                                  Multimap<String, String> headers) throws Exception {
        return client.executePutAsync(StatObjectArgs.builder().bucket(bucket).object(key).build(), headers, null,
                part(1, file, length, md5Base64, body), 0);
    }

    public static CompletableFuture<UploadPartResponse> uploadPart(MinioAsyncClient client, String bucket, String key,
                                                                   String uploadId, int partNumber,
                                                                   RandomAccessFile file, long length,
                                                                   String md5Base64, Body body) throws Exception {
        return client.uploadPartAsync(bucket, null, key, part(partNumber, file, length, md5Base64, body), partNumber,
                uploadId, null, null);
    }
}
