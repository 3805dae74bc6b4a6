package io.flywheel.event;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;

/**
 * Classifies events by their {@code type}. The defaults are the codetether {@code SessionEvent} vocabulary; a type
 * in neither set is durable unless configured otherwise, because losing training data is the worse failure.
 */
public final class TypeClassifier {
    public static final Set<String> DEFAULT_DURABLE = Set.of(
            "token_usage", "tool_call_start", "tool_call_complete", "tool_call_metadata", "approval_request",
            "text_complete", "thinking_complete", "usage_report", "done", "error", "rlm_complete",
            "compaction_started", "compaction_completed", "compaction_failed", "context_truncated",
            "rlm_subcall_fallback");
    public static final Set<String> DEFAULT_EPHEMERAL = Set.of(
            "thinking", "play_break", "tool_heartbeat", "tool_output_chunk", "text_chunk", "stream_retry",
            "session_sync", "token_estimate", "rlm_progress");

    /** Every configured type with its class: one hash lookup per event on the hot path. */
    private final HashMap<String, EventClass> known = new HashMap<>();
    private final EventClass unknown;

    private TypeClassifier(Set<String> durable, Set<String> ephemeral, EventClass unknown) {
        durable.forEach(t -> known.put(t, EventClass.DURABLE));
        ephemeral.forEach(t -> known.put(t, EventClass.EPHEMERAL));
        this.unknown = unknown;
    }

    public static TypeClassifier defaults() {
        return new TypeClassifier(DEFAULT_DURABLE, DEFAULT_EPHEMERAL, EventClass.DURABLE);
    }

    /** The defaults with extra types moved into the durable or ephemeral set; the last word on a type wins. */
    public static TypeClassifier of(Collection<String> extraDurable, Collection<String> extraEphemeral, EventClass unknown) {
        Set<String> d = new HashSet<>(DEFAULT_DURABLE);
        Set<String> e = new HashSet<>(DEFAULT_EPHEMERAL);
        for (String t : extraDurable) {
            e.remove(t);
            d.add(t);
        }
        for (String t : extraEphemeral) {
            d.remove(t);
            e.add(t);
        }
        return new TypeClassifier(d, e, unknown);
    }

    public EventClass classify(String type) {
        return known.getOrDefault(type, unknown);
    }

    public boolean isDurable(String type) {
        return classify(type) == EventClass.DURABLE;
    }
}
