package io.flywheel.ingest;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * SIGTERM, SIGHUP and SIGINT ask for a clean stop (drain, sync, seal, exit 0) instead of the JVM's immediate exit. A second
 * SIGINT aborts at once with exit 130, like an impatient Ctrl-C expects: the data directory is then left as after a
 * crash, which the next start recovers. SIGTERM never aborts, however often it comes: systemd escalates to SIGKILL on
 * its own timeout, and a supervisor repeating SIGTERM still wants the graceful stop.
 *
 * <p>Only SIGINTs are counted: a Ctrl-C also ends the producer in the same pipeline, so the stop may already be under
 * way (end of input) when the first SIGINT arrives - that one must not abort.
 */
public final class StopSignal {
    private static final Logger LOG = Logger.getLogger(StopSignal.class);
    /** The shell's convention for "killed by SIGINT" (128 + 2). */
    public static final int ABORT_EXIT = 130;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger interrupts = new AtomicInteger();
    private volatile String received;
    private volatile String failure;
    private volatile Consumer<String> onInterruptWhileStopping = why -> { };

    public static StopSignal install() {
        StopSignal s = new StopSignal();
        try {
            Signal.handle(new Signal("TERM"), sig -> s.trigger("SIGTERM"));
            Signal.handle(new Signal("INT"), sig -> s.interrupt());
        } catch (IllegalArgumentException e) {
            LOG.debugf("cannot handle signals: %s", e.getMessage());
        }
        try {
            // a closed terminal (agent | flywheel run) sends HUP: the events already read must still be synced.
            // Under nohup the JVM leaves HUP ignored and refuses a handler, which is what nohup asked for.
            Signal.handle(new Signal("HUP"), sig -> s.trigger("SIGHUP"));
        } catch (IllegalArgumentException e) {
            LOG.debugf("cannot handle SIGHUP: %s", e.getMessage());
        }
        return s;
    }

    private void interrupt() {
        if (interrupts.incrementAndGet() >= 2) {
            System.err.println("flywheel: aborted by a second Ctrl-C; the next run recovers what was left open");
            System.err.flush();
            Runtime.getRuntime().halt(ABORT_EXIT);
        }
        boolean wasStopping = requested();
        trigger("SIGINT");
        if (wasStopping) {
            onInterruptWhileStopping.accept("SIGINT");
        }
    }

    /** Called (on the signal thread) when a first SIGINT arrives while the run is already stopping. */
    public void onInterruptWhileStopping(Consumer<String> listener) {
        this.onInterruptWhileStopping = listener;
    }

    /** True once a SIGINT was received: the next one aborts. */
    public boolean interrupted() {
        return interrupts.get() > 0;
    }

    public void trigger(String why) {
        if (received == null) {
            received = why;
        }
        stop.countDown();
    }

    /** Stops the run because something went wrong outside the journal: it then exits 1 with this reason. */
    public void fail(String reason) {
        if (failure == null) {
            failure = reason;
        }
        trigger("failure");
    }

    /** Why the run failed outside the journal, or null. */
    public String failure() {
        return failure;
    }

    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        return stop.await(timeout, unit);
    }

    public boolean requested() {
        return stop.getCount() == 0;
    }

    public String received() {
        return received;
    }
}
