package io.flywheel.event;

/** Whether an event must reach a fsynced segment (and MinIO) or is only broadcast to live subscribers. */
public enum EventClass {
    DURABLE, EPHEMERAL
}
