package io.flywheel.ingest;

import io.flywheel.bus.Broadcaster;
import io.flywheel.event.TypeClassifier;
import io.flywheel.journal.Journal;

/**
 * What every input feeds: the classifier, the journal, the broadcast, the shared counters, and the one memory
 * budget all inputs draw from.
 */
public record Ingest(TypeClassifier classifier, Journal journal, Broadcaster broadcaster, IngestStats stats,
                     int maxLineBytes, MemoryBudget memory) {

    public Ingest(TypeClassifier classifier, Journal journal, Broadcaster broadcaster, IngestStats stats, int maxLineBytes) {
        this(classifier, journal, broadcaster, stats, maxLineBytes, MemoryBudget.unlimited());
    }

    /** A handler for one input (stdin, or one socket connection); not thread-safe. */
    public LineIngest open(String source) {
        return new LineIngest(this, source);
    }
}
