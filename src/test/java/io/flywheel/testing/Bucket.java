package io.flywheel.testing;

import io.minio.GetObjectArgs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Every envelope a data directory ever kept: what was shipped to the bucket plus what is still local. */
public final class Bucket {
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":(\\d+),");

    /** One kept envelope: its sequence and its original event. */
    public record Kept(long seq, String event, String where) {
    }

    private Bucket() {
    }

    public static List<Kept> everything(S3Proxy s3, String bucket, Path dir) throws Exception {
        List<Kept> out = new ArrayList<>();
        for (String key : ShipTool.keys(s3, bucket)) {
            try (InputStream in = ShipTool.client(s3).getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
                parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "s3://" + bucket + "/" + key, out);
            }
        }
        for (String sub : List.of("segments", "shipped")) {
            Path d = dir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
                    parse(Files.readString(p), p.toString(), out);
                }
            }
        }
        return out;
    }

    private static void parse(String text, String where, List<Kept> out) throws IOException {
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Matcher m = SEQ.matcher(line);
            int ev = line.indexOf(",\"event\":");
            if (!m.find() || ev < 0) {
                throw new IOException("not an envelope in " + where + ": " + line);
            }
            out.add(new Kept(Long.parseLong(m.group(1)), line.substring(ev + 9, line.length() - 1), where));
        }
    }
}
