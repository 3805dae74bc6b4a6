package io.flywheel.ingest;

import io.flywheel.journal.JournalClosedException;
import io.flywheel.journal.JournalFailedException;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.jboss.logging.Logger;

/**
 * Reads stdin into ingest on its own thread. However the thread ends, the run hears of it: the run waits for this
 * thread's end of input, so a thread that died without a word (an OutOfMemoryError, a bug) would leave the process
 * hanging forever with stdin unread. Anything unexpected therefore fails the run (exit 1, reason on stderr).
 */
public final class StdinReader {
    private static final Logger LOG = Logger.getLogger(StdinReader.class);

    private StdinReader() {
    }

    /**
     * Starts the reader. At end of input it stops the run when {@code endStopsRun} (otherwise a socket server goes
     * on); an unexpected failure always stops it, as failed.
     */
    public static Thread start(Ingest ingest, StopSignal stop, boolean endStopsRun) {
        return Thread.ofPlatform().name("flywheel-stdin").daemon().start(() -> {
            try {
                read(ingest);
            } catch (RuntimeException | Error e) {
                // the stack trace is for whoever fixes the bug; the run's last line says it failed and why
                LOG.error("reading stdin failed", e);
                stop.fail("reading stdin failed: " + e);
                return;
            }
            if (endStopsRun) {
                stop.trigger("end of input");
            }
        });
    }

    private static void read(Ingest ingest) {
        try (InputStream in = new FileInputStream(FileDescriptor.in)) {
            ingest.open("stdin").pump(in);
        } catch (JournalFailedException e) {
            // reported by the journal itself
        } catch (JournalClosedException e) {
            // journal closed while stopping
        } catch (IOException e) {
            System.err.println("flywheel: reading stdin failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
