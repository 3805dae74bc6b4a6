import io.minio.MinioClient;
import io.minio.UploadObjectArgs;
import io.minio.MakeBucketArgs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** java -cp "target/quarkus-app/lib/main/*" bench/RawMinio.java ENDPOINT AK SK BUCKET DIR: sequential uploadObject. */
public class RawMinio {
    public static void main(String[] a) throws Exception {
        MinioClient c = MinioClient.builder().endpoint(a[0]).credentials(a[1], a[2]).region("us-east-1").build();
        c.makeBucket(MakeBucketArgs.builder().bucket(a[3]).build());
        long t0 = System.nanoTime(), bytes = 0;
        try (Stream<Path> s = Files.list(Path.of(a[4]))) {
            for (Path p : s.sorted().toList()) {
                c.uploadObject(UploadObjectArgs.builder().bucket(a[3]).object(p.getFileName().toString())
                        .filename(p.toString(), 16L << 20).contentType("application/x-ndjson").build());
                bytes += Files.size(p);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%.3f%n", secs);
    }
}
