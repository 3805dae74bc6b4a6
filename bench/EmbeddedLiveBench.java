// The broadcast's cost to producers, without the readers' own CPU: events are ingested through an embedded
// FlywheelRuntime (the stdin path, journal and fsync included) with 0 subscribers, 1 counting subscriber, and 8
// subscribers of which 7 count and 1 never requests anything (stalled), 8 stalled subscribers (what publishing
// costs producers by itself, without the subscribers' own CPU on the same cores), and 8 again (7 counting, 1 stalled)
// as LiveSinks subscribed through fw.broadcaster(): they take runs of events, as taps do, not one signal each. Rounds are interleaved so that a busy
// neighbour on the machine hits every configuration alike; each round uses a fresh data directory.
//
//   ./mvnw -q package -DskipTests
//   java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*" bench/EmbeddedLiveBench.java [events] [rounds]
import io.flywheel.bus.LiveOptions;
import io.flywheel.bus.LiveSink;
import io.flywheel.event.Event;
import io.flywheel.bus.Signal;
import io.flywheel.runtime.CloseProgress;
import io.flywheel.runtime.FlywheelRuntime;
import io.flywheel.runtime.RuntimeConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

public class EmbeddedLiveBench {
    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        ByteArrayOutputStream buf = new ByteArrayOutputStream(events * 220);
        for (int i = 0; i < events; i++) {
            String type = i % 4 == 3 ? "text_chunk" : "tool_call_complete";
            buf.writeBytes(("{\"type\":\"" + type + "\",\"session_id\":\"s-42\",\"call_id\":\"c" + i
                    + "\",\"name\":\"bash\",\"output\":\"total 48 drwxr-xr-x 5 agent agent 4096 Nov 30 src\",\"i\":" + i + "}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        byte[] input = buf.toByteArray();
        // BENCH_CONFIGS=0,8 picks configurations (for a profiler run); -8 means 8 stalled, 108 the 8 as LiveSinks
        int[] configs = java.util.Arrays.stream(System.getenv().getOrDefault("BENCH_CONFIGS", "0,1,8,-8,108").split(","))
                .mapToInt(Integer::parseInt).toArray();
        double[][] rates = new double[configs.length][rounds];
        Path root = Files.createTempDirectory("flywheel-live-bench");
        for (int r = -1; r < rounds; r++) { // round -1 warms the JIT and is not counted
            for (int c = 0; c < configs.length; c++) {
                double rate = once(root.resolve("r" + r + "c" + c), input, events, configs[c]);
                if (r >= 0) {
                    rates[c][r] = rate;
                }
            }
        }
        Files.deleteIfExists(root);
        System.out.printf(Locale.ROOT, "%d events of ~%d B (a quarter ephemeral), %d rounds, median of kept+broadcast events/s:%n",
                events, input.length / events, rounds);
        double base = median(rates[0]);
        for (int c = 0; c < configs.length; c++) {
            double m = median(rates[c]);
            System.out.printf(Locale.ROOT, "  %d subscriber(s)%s: %,.0f events/s  (rounds: %s)  ratio to 0: %.2f%n",
                    Math.abs(configs[c]) % 100, configs[c] == 8 ? " (7 counting, 1 stalled)" : configs[c] < 0 ? " (all stalled)"
                            : configs[c] == 108 ? " (LiveSinks taking runs, 7 counting, 1 stalled)" : "",
                    m, round(rates[c]), m / base);
        }
    }

    private static double once(Path dir, byte[] input, int events, int subscribers) throws Exception {
        try (FlywheelRuntime fw = FlywheelRuntime.open(RuntimeConfig.defaults(dir))) {
            List<AtomicLong> counts = new ArrayList<>();
            if (subscribers == 108) {
                for (int s = 0; s < 8; s++) {
                    fw.broadcaster().subscribe(new LiveOptions("bench-" + s, LiveOptions.ALL, 8L << 20, false),
                            new CountingSink(s == 7));
                }
            }
            for (int s = 0; s < (subscribers == 108 ? 0 : Math.abs(subscribers)); s++) {
                boolean stalled = s == 7 || subscribers < 0;
                AtomicLong n = new AtomicLong();
                counts.add(n);
                fw.live(new LiveOptions("bench-" + s, LiveOptions.ALL, 8L << 20, false)).subscribe().withSubscriber(new Flow.Subscriber<Signal>() {
                    @Override
                    public void onSubscribe(Flow.Subscription sub) {
                        if (!stalled) {
                            sub.request(Long.MAX_VALUE);
                        }
                    }

                    @Override
                    public void onNext(Signal item) {
                        n.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                });
            }
            long t0 = System.nanoTime();
            var in = fw.ingest().open("bench");
            in.pump(new ByteArrayInputStream(input));
            fw.journal().awaitSynced(in.ticket(), 60, java.util.concurrent.TimeUnit.SECONDS); // every durable event fsynced
            double secs = (System.nanoTime() - t0) / 1e9;
            fw.close(Duration.ofSeconds(5), CloseProgress.SILENT);
            return events / secs;
        } finally {
            deleteTree(dir); // 36 rounds of 150 MB would otherwise fill a small disk
        }
    }

    /** Counts what it is given, in runs; a stalled one never asks for anything. */
    private static final class CountingSink implements LiveSink {
        private final boolean stalled;
        long events; // the delivering thread's only

        CountingSink(boolean stalled) {
            this.stalled = stalled;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            if (!stalled) {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onEvents(Event[] batch, int from, int to) {
            events += to - from;
        }

        @Override
        public void onNext(Signal item) {
            events++;
        }

        @Override
        public void idle() {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String round(double[] a) {
        StringBuilder sb = new StringBuilder();
        for (double d : a) {
            sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2fM", d / 1e6));
        }
        return sb.toString();
    }
}
