package io.flywheel.ship;

/**
 * The outcome of one ship pass.
 *
 * @param shipped        segments uploaded, verified and forgotten locally in this pass
 * @param alreadyPresent segments found already in the bucket with the same content (an earlier interrupted pass)
 * @param failed         segments that could not be shipped in this pass (they stay on disk)
 * @param bytes          bytes uploaded in this pass (object bytes, i.e. compressed when compressing)
 * @param pending        sealed segments still waiting in {@code segments/} after the pass
 * @param error          what went wrong, one line, or null
 * @param busy           true when another shipper held {@code ship.lock} and this pass did nothing
 * @param errorKind      the class of {@code error}, or null
 * @param failures       failures in this pass by class (segments that failed, and a failure that stopped the pass)
 */
public record ShipReport(int shipped, int alreadyPresent, int failed, long bytes, int pending, String error,
                         boolean busy, ShipException.Kind errorKind, java.util.Map<ShipException.Kind, Integer> failures) {

    public ShipReport {
        failures = failures == null ? java.util.Map.of() : java.util.Map.copyOf(failures);
    }

    public ShipReport(int shipped, int alreadyPresent, int failed, long bytes, int pending, String error, boolean busy) {
        this(shipped, alreadyPresent, failed, bytes, pending, error, busy, null, null);
    }

    public boolean ok() {
        return error == null && failed == 0 && pending == 0;
    }

    public String toJson() {
        return "{\"shipped\":" + shipped + ",\"already_present\":" + alreadyPresent + ",\"failed\":" + failed
                + ",\"bytes\":" + bytes + ",\"pending\":" + pending + "}";
    }
}
