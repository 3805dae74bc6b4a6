package io.flywheel.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;

/**
 * What {@code flywheel --version} reports. Version, commit and build time come from {@code build-info.properties},
 * which the Maven build writes next to this class (so the JVM and native builds of one checkout print the same values,
 * and a native image, which has no jar manifest, still knows them); the runtime is asked when printing.
 */
public record BuildInfo(String version, String commit, String built) {
    static final String RESOURCE = "build-info.properties";

    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // a damaged resource must not stop --version: every field falls back to "unknown"
        }
        return new BuildInfo(value(p, "version"), value(p, "commit"), value(p, "built"));
    }

    private static String value(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        // an unfiltered ${...} means the resource was not produced by the Maven build (e.g. an IDE copied it)
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }

    /** True inside a GraalVM/Mandrel native executable (a property the image builder sets for the image's run time). */
    public static boolean nativeImage() {
        return "runtime".equals(System.getProperty("org.graalvm.nativeimage.imagecode"));
    }

    /** The running Java, e.g. {@code Java 25.0.3+9-LTS (Temurin-25.0.3+9, OpenJDK 64-Bit Server VM)}. */
    public static String javaRuntime() {
        String vendor = System.getProperty("java.vendor.version");
        if (vendor == null || vendor.isBlank()) {
            vendor = System.getProperty("java.vendor", "unknown vendor");
        }
        return "Java " + Runtime.version() + " (" + vendor + ", " + System.getProperty("java.vm.name", "unknown VM") + ")";
    }

    public List<String> lines() {
        return List.of(
                "flywheel " + version,
                "commit:  " + commit,
                "built:   " + built,
                "build:   " + (nativeImage() ? "native" : "JVM"),
                "runtime: " + javaRuntime());
    }
}
