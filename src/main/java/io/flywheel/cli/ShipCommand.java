package io.flywheel.cli;

import io.flywheel.config.ByteSize;
import io.flywheel.journal.DataDir;
import io.flywheel.obs.Terminal;
import io.flywheel.ship.S3Endpoint;
import io.flywheel.ship.ShipConfig;
import io.flywheel.ship.ShipProgress;
import io.flywheel.ship.ShipReport;
import io.flywheel.ship.Shipper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "ship", mixinStandardHelpOptions = true,
        description = {
                "Ships every sealed segment of a data directory to a MinIO/S3 bucket now, then exits.",
                "Endpoint and credentials come from the environment: MINIO_ENDPOINT (URL), MINIO_ACCESS_KEY, "
                        + "MINIO_SECRET_KEY (or QUARKUS_MINIO_URL / _ACCESS_KEY / _SECRET_KEY); never from the command line.",
                "Keys: [<prefix>/]<yyyy>/<MM>/<dd>/<host>/<segment name>[.gz] (UTC date of the first event; see "
                        + "--key-format). Existing "
                        + "objects with the same content count as shipped; a different object at a key is an error and "
                        + "is never overwritten.",
                "Only one shipper works on a directory at a time (DIR/ship.lock): when another one (flywheel run "
                        + "--ship-every, or another flywheel ship) holds it, this one says so and exits 0 at once; the "
                        + "other shipper ships the backlog.",
                "Prints one JSON summary line on stdout: {\"shipped\":N,\"already_present\":N,\"failed\":N,\"bytes\":N,"
                        + "\"pending\":N}. Exit status: 0 when nothing is left to ship, 1 when segments remain, "
                        + "2 on bad options or configuration (also when the server rejects the credentials, the bucket "
                        + "is missing or the endpoint's scheme is wrong).",
                "Writes DIR/ship.state and DIR/ship.prom (Prometheus textfile) after every pass."},
        sortOptions = false)
public class ShipCommand implements Callable<Integer> {

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Flywheel data directory.")
    Path dir;

    @Option(names = "--host-id", paramLabel = "HOST",
            description = "Host id used in object keys instead of the one stored in DIR/flywheel.properties (not persisted).")
    String hostId;

    @Mixin
    ShipOptions ship;

    @Option(names = {"-v", "--verbose"}, description = "Log each failure with its stack trace (and retries) on stderr.")
    boolean verbose;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Usage.checkShipOptions(spec, ship);
        PrintStream out = System.out;
        PrintStream err = System.err;
        if (verbose) {
            // the shipper logs each failure with its stack trace at DEBUG
            java.util.logging.Logger.getLogger("io.flywheel.ship").setLevel(java.util.logging.Level.FINE);
        }
        ShipConfig config;
        S3Endpoint endpoint;
        DataDir data;
        try {
            config = ship.toConfig();
            data = DataDir.existing(dir, null);
            endpoint = S3Endpoint.resolve();
        } catch (IllegalArgumentException | IOException e) {
            err.println("flywheel ship: " + (e instanceof IOException io ? CommandLineSetup.describe(io) : e.getMessage()));
            if (verbose) {
                e.printStackTrace(err);
            }
            out.println(new ShipReport(0, 0, 0, 0, 0, null, false).toJson());
            return 2;
        }
        Shipper shipper = new Shipper(data, hostId, config, endpoint);
        ProgressBar bar = Terminal.stderrIsTerminal() ? new ProgressBar(err) : null;
        if (bar != null) {
            shipper.progress(bar);
        }
        long t0 = System.nanoTime();
        ShipReport r = shipper.shipAll();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.println(r.toJson());
        out.flush();
        if (r.busy()) {
            err.printf(Locale.ROOT, "flywheel ship: another shipper holds %s; it ships the %d pending segments, "
                    + "nothing done here%n", data.root().resolve(Shipper.LOCK_FILE), r.pending());
            return 0;
        }
        if (r.error() != null) {
            err.println("flywheel ship: " + r.error());
        }
        if (r.errorKind() != null && r.errorKind().configuration()) {
            // documented as exit 2: retrying cannot help, the configuration has to change
            return 2;
        }
        err.printf(Locale.ROOT, "flywheel ship: %d shipped (%s in %.1f s), %d already present, %d failed, %d pending"
                        + " -> s3://%s/%s%n",
                r.shipped(), ByteSize.format(r.bytes()), secs, r.alreadyPresent(), r.failed(), r.pending(),
                config.bucket(), config.prefix().isEmpty() ? "" : config.prefix() + "/");
        return r.pending() == 0 && r.failed() == 0 && r.error() == null ? 0 : 1;
    }

    /** Ship progress drawn with the shared {@link io.flywheel.obs.ProgressBar}. */
    static final class ProgressBar implements ShipProgress {
        private final io.flywheel.obs.ProgressBar bar;
        private int segments;
        private int done;
        private long total;
        private long bytes;

        ProgressBar(PrintStream err) {
            this.bar = new io.flywheel.obs.ProgressBar(err);
        }

        @Override
        public synchronized void begin(int segments, long bytes) {
            this.segments = segments;
            this.total = bytes;
            draw(true);
        }

        // synchronized: upload threads report at once with --parallel
        @Override
        public synchronized void advance(long n) {
            bytes = Math.max(0, Math.min(total, bytes + n));
            draw(false);
        }

        @Override
        public synchronized void segmentDone(String name) {
            done++;
            draw(true);
        }

        @Override
        public synchronized void end() {
            draw(true);
            bar.clear();
        }

        private void draw(boolean force) {
            bar.show(done + "/" + segments + " segments", bytes, total, force);
        }
    }
}
