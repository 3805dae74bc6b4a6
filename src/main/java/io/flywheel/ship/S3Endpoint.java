package io.flywheel.ship;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * Where and how to reach the object store. Resolved from the environment variables {@code MINIO_ENDPOINT} (a URL),
 * {@code MINIO_ACCESS_KEY}, {@code MINIO_SECRET_KEY}, {@code MINIO_REGION}, which take precedence, then from Quarkus
 * configuration ({@code quarkus.minio.url} or {@code quarkus.minio.host}/{@code port}/{@code secure},
 * {@code quarkus.minio.access-key}, {@code quarkus.minio.secret-key}, {@code quarkus.minio.region}; i.e. also
 * {@code QUARKUS_MINIO_*} variables). {@link #toString()} never shows the secret.
 */
public record S3Endpoint(String url, String accessKey, String secretKey, String region) {

    public S3Endpoint {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            // without a scheme the client would guess https, and a plain-http server then fails as a TLS error
            String shown = redact(url);
            throw new IllegalArgumentException("object store endpoint '" + shown + "' has no scheme: write http://" + shown
                    + " for a plain-http server or https://" + shown + " for TLS (MINIO_ENDPOINT or quarkus.minio.url)");
        }
        URI u;
        try {
            u = new URI(url);
        } catch (URISyntaxException e) {
            // the parser's message quotes the whole input, password and all
            throw new IllegalArgumentException("object store endpoint is not a valid URL: '" + redact(url) + "'");
        }
        if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
            throw new IllegalArgumentException("object store endpoint must be an http(s) URL, got '" + redact(url) + "'");
        }
        // credentials belong in MINIO_ACCESS_KEY / MINIO_SECRET_KEY; a user:password@ in the URL is dropped here, so
        // that no message, log, status or state file that names the endpoint can ever show it
        if (u.getRawUserInfo() != null) {
            url = u.getScheme() + "://" + u.getRawAuthority().substring(u.getRawAuthority().lastIndexOf('@') + 1)
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        }
    }

    /** {@code text} with anything between {@code ://} and the last {@code @} of its authority replaced by {@code ***}. */
    static String redact(String text) {
        int scheme = text.indexOf("://");
        int from = scheme < 0 ? 0 : scheme + 3;
        int end = text.length();
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        int at = text.lastIndexOf('@', end - 1);
        return at < from ? text : text.substring(0, from) + "***@" + text.substring(at + 1);
    }

    public static S3Endpoint resolve() {
        return resolve(System.getenv(), ConfigProvider.getConfig());
    }

    static S3Endpoint resolve(Map<String, String> env, Config config) {
        String url = nonBlank(env.get("MINIO_ENDPOINT"))
                .or(() -> config.getOptionalValue("quarkus.minio.url", String.class).flatMap(S3Endpoint::nonBlank))
                .or(() -> config.getOptionalValue("quarkus.minio.host", String.class).flatMap(S3Endpoint::nonBlank)
                        .map(h -> {
                            if (h.startsWith("http://") || h.startsWith("https://")) {
                                return h;
                            }
                            boolean secure = config.getOptionalValue("quarkus.minio.secure", Boolean.class).orElse(true);
                            Optional<Integer> port = config.getOptionalValue("quarkus.minio.port", Integer.class);
                            return (secure ? "https://" : "http://") + h + port.map(p -> ":" + p).orElse("");
                        }))
                .orElseThrow(() -> new IllegalArgumentException(
                        "no object store configured: set MINIO_ENDPOINT (e.g. https://minio.example:9000) or quarkus.minio.url"));
        String access = nonBlank(env.get("MINIO_ACCESS_KEY"))
                .or(() -> config.getOptionalValue("quarkus.minio.access-key", String.class).flatMap(S3Endpoint::nonBlank))
                .orElseThrow(() -> new IllegalArgumentException("no access key: set MINIO_ACCESS_KEY or quarkus.minio.access-key"));
        String secret = nonBlank(env.get("MINIO_SECRET_KEY"))
                .or(() -> config.getOptionalValue("quarkus.minio.secret-key", String.class).flatMap(S3Endpoint::nonBlank))
                .orElseThrow(() -> new IllegalArgumentException("no secret key: set MINIO_SECRET_KEY or quarkus.minio.secret-key"));
        String region = nonBlank(env.get("MINIO_REGION"))
                .or(() -> config.getOptionalValue("quarkus.minio.region", String.class).flatMap(S3Endpoint::nonBlank))
                .orElse("us-east-1");
        return new S3Endpoint(url, access, secret, region);
    }

    private static Optional<String> nonBlank(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }

    @Override
    public String toString() {
        return "S3Endpoint[url=" + url + ", accessKey=" + accessKey + ", secretKey=***, region=" + region + "]";
    }
}
