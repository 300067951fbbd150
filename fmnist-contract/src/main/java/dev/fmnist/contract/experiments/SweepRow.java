package dev.fmnist.contract.experiments;

/**
 * One child of a sweep in its SWEEP_SUMMARY event.
 *
 * @param value the swept parameter's value
 * @param experimentId the child's id
 * @param status how the child ended
 * @param testAccuracy the child's final test accuracy; null when it did not succeed
 */
public record SweepRow(double value, String experimentId, ExperimentEvent.Type status, Double testAccuracy) {

    /** The row of a child from its state once it ended: the test accuracy only of a child that succeeded. */
    public static SweepRow of(double value, ExperimentState end) {
        Double accuracy = end.status() == ExperimentEvent.Type.SUCCEEDED && end.metrics() != null
                ? end.metrics().testAccuracy() : null;
        return new SweepRow(value, end.experimentId(), end.status(), accuracy);
    }

    public boolean succeeded() {
        return status == ExperimentEvent.Type.SUCCEEDED && testAccuracy != null;
    }
}
