package io.flywheel.run;

import io.flywheel.ingest.StopSignal;
import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Tells the operator on stderr what a stop is waiting for, so a stop that takes long does not look like a hang - and
 * how to abort it. A quick stop stays quiet: a step is named only once it has taken {@link #QUIET_NANOS}, or at once
 * when a Ctrl-C arrives during the stop.
 */
public final class DrainNotice implements AutoCloseable {
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PrintStream err;
    private final StopSignal stop;
    private final ScheduledExecutorService timer;
    private Supplier<String> step;  // guarded by this
    private long stepSince;         // guarded by this
    private boolean told;           // guarded by this: the current step was named

    public DrainNotice(PrintStream err, StopSignal stop) {
        this.err = err;
        this.stop = stop;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flywheel-drain-notice");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::check, 250, 250, TimeUnit.MILLISECONDS);
        stop.onInterruptWhileStopping(why -> tell());
    }

    /** The stop now waits for this (evaluated when it is printed, so figures are current). */
    public synchronized void waitingFor(Supplier<String> what) {
        step = what;
        stepSince = System.nanoTime();
        told = false;
    }

    private synchronized void check() {
        if (step != null && !told && System.nanoTime() - stepSince >= QUIET_NANOS) {
            tell();
        }
    }

    private synchronized void tell() {
        if (step == null) {
            return;
        }
        told = true;
        err.println("flywheel: stopping: waiting for " + step.get() + "; press Ctrl-C "
                + (stop.interrupted() ? "again" : "twice") + " to abort");
        err.flush();
    }

    @Override
    public synchronized void close() {
        step = null;
        timer.shutdownNow();
    }
}
