package io.flywheel.ingest;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT ask for a clean stop (drain, sync, seal, exit 0) instead of the JVM's immediate exit. A second
 * SIGINT while draining is left to the default handler, so an impatient Ctrl-C still works.
 */
public final class StopSignal {
    private static final Logger LOG = Logger.getLogger(StopSignal.class);
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile String received;

    public static StopSignal install() {
        StopSignal s = new StopSignal();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), sig -> s.trigger("SIG" + sig.getName()));
            } catch (IllegalArgumentException e) {
                LOG.debugf("cannot handle SIG%s: %s", name, e.getMessage());
            }
        }
        return s;
    }

    public void trigger(String why) {
        if (received == null) {
            received = why;
        }
        stop.countDown();
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
