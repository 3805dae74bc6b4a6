package io.flywheel.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 server for tests: S3Proxy (filesystem backend, SigV4) as a child process on a free 127.0.0.1 port, with
 * random credentials and its data under {@code target/}. Register with
 * {@code @RegisterExtension static final S3Proxy S3 = new S3Proxy();}; {@link #stop()} and {@link #start()} again
 * simulate an outage (same port, same data).
 */
public final class S3Proxy implements BeforeAllCallback, AfterAllCallback, ExtensionContext.Store.CloseableResource {
    private final String accessKey = "AK" + random(8);
    private final String secretKey = random(20);
    private Path home;
    private int port;
    private Process process;

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (process == null) {
            home = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "s3proxy-");
            Files.createDirectories(home.resolve("data"));
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                port = s.getLocalPort();
            }
            Files.writeString(home.resolve("s3proxy.conf"), String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + home.resolve("data"),
                    ""));
            start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        stop();
    }

    /** Starts the server (again) and waits until it answers HTTP. */
    public synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        String jar = System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Proxy jar not found at " + jar + " (./mvnw process-test-resources copies it)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + Path.of("target/s3proxy/s3proxy.jsa").toAbsolutePath(),
                "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-jar", jar, "--properties", home.resolve("s3proxy.conf").toString());
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("s3proxy.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + "; see "
                        + home.resolve("s3proxy.log"));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                c.getResponseCode();
                c.disconnect();
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not answer on port " + port + " within 30 s");
                }
                Thread.sleep(50);
            }
        }
    }

    /** Stops the server (the port stops answering); data stays. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Path home() {
        return home;
    }
}
