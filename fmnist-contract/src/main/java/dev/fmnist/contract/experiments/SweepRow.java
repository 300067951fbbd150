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

    /** The row of a child from its terminal event. */
    public static SweepRow of(double value, ExperimentEvent end) {
        Double accuracy = end.metrics() == null ? null : end.metrics().testAccuracy();
        return new SweepRow(value, end.experimentId(), end.type(), accuracy);
    }

    public boolean succeeded() {
        return status == ExperimentEvent.Type.SUCCEEDED && testAccuracy != null;
    }
}
