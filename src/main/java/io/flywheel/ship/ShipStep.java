package io.flywheel.ship;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every request shipping makes to the object store, named, so that an end-to-end test can make exactly one of them
 * fail or stall ({@code FLYWHEEL_SHIP_FAULT}, the syntax of {@link io.flywheel.journal.FaultSpec}): a SIGKILL at a
 * chosen point of a pass, instead of at a moment a test hopes to catch.
 */
enum ShipStep {
    CHECK_BUCKET("s3-check-bucket"),
    CREATE_BUCKET("s3-create-bucket"),
    STAT("s3-stat"),
    PUT("s3-put"),
    CREATE_MULTIPART("s3-create-multipart"),
    UPLOAD_PART("s3-upload-part"),
    COMPLETE("s3-complete"),
    ABORT("s3-abort"),
    LIST_UPLOADS("s3-list-uploads");

    static final String ENV = "FLYWHEEL_SHIP_FAULT";

    private final String label;

    ShipStep(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }

    static Set<String> labels() {
        return Arrays.stream(values()).map(ShipStep::label).collect(Collectors.toSet());
    }
}
