package io.flywheel.journal;

import java.nio.file.Path;

/** What recovery tells the operator about; every method has a quiet default. */
public interface RecoveryListener {
    RecoveryListener QUIET = new RecoveryListener() {
    };

    /** An in-progress segment left by a crash was sealed with {@code events} valid lines. */
    default void recovered(Path sealed, long events) {
    }

    /** A torn or invalid tail was cut off a crashed segment and kept at {@code keptAt}. */
    default void tornTail(Path segment, long offset, long bytes, String reason, Path keptAt) {
    }

    /** Progress through a large segment: {@code done} of {@code total} bytes. */
    default void progress(Path segment, long done, long total) {
    }
}
