package io.flywheel.ship;

import io.minio.StatObjectResponse;

import java.util.Locale;
import java.util.Map;

/** Whether an object in the bucket holds exactly a segment's content, judged from its stat. */
final class ObjectCheck {
    private ObjectCheck() {
    }

    /**
     * Null when the object holds this segment's content, else what differs. The ETag is computed locally, so it
     * checks the bytes the server stored - also for multipart objects, whose ETag is deterministic for a known part
     * size. An object found already there may have been uploaded with another part size: its ETag is then compared
     * only when its part count matches, and the sha256 metadata and size must match in any case.
     */
    static String difference(StatObjectResponse st, SegmentDigest d, boolean uploadedNow) {
        Map<String, String> meta = st.userMetadata();
        String sha = metaValue(meta, "sha256");
        if (!d.sha256().equalsIgnoreCase(sha == null ? "" : sha)) {
            return "sha256 " + (sha == null ? "missing" : sha) + ", expected " + d.sha256();
        }
        String len = metaValue(meta, "length");
        if (len != null && !len.equals(Long.toString(d.length()))) {
            return "length " + len + ", expected " + d.length();
        }
        if (st.size() != d.uploadSize()) {
            return "size " + st.size() + ", expected " + d.uploadSize();
        }
        String etag = st.etag() == null ? "" : st.etag().replace("\"", "").toLowerCase(Locale.ROOT);
        String expected = d.expectedEtag();
        if (uploadedNow || partCount(etag) == partCount(expected)) {
            if (!etag.equals(expected)) {
                return "ETag " + etag + ", expected " + expected + " (computed locally)";
            }
        }
        return null;
    }

    private static int partCount(String etag) {
        int dash = etag.lastIndexOf('-');
        if (dash < 0) {
            return 1;
        }
        try {
            return Integer.parseInt(etag.substring(dash + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
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
}
