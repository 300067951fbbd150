package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One child of a sweep in its SWEEP_SUMMARY event.
 *
 * @param value grid: the swept parameter's value; random search: the trial's number
 * @param experimentId the child's id
 * @param status how the child ended
 * @param testAccuracy the test accuracy of the child's artefact; null when it did not succeed and, in a
 *     random search, for every trial but the winner (the test set is looked at once, after choosing)
 * @param options random search: the options the trial drew; null for a grid
 * @param valAccuracy the validation accuracy of the child's artefact; null without a validation split
 * @param epochsDone the epochs the child ran
 * @param reason why it stopped before its planned epochs, or did not succeed; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SweepRow(double value, String experimentId, ExperimentEvent.Type status, Double testAccuracy,
        Map<String, Double> options, Double valAccuracy, Integer epochsDone, String reason) {

    /** The row of a grid child from its state once it ended: the test accuracy only of a child that succeeded. */
    public static SweepRow of(double value, ExperimentState end) {
        return of(value, null, end);
    }

    /** The row of a child from its state once it ended, with the options it drew (null for a grid). */
    public static SweepRow of(double value, Map<String, Double> options, ExperimentState end) {
        boolean succeeded = end.status() == ExperimentEvent.Type.SUCCEEDED && end.metrics() != null;
        return new SweepRow(value, end.experimentId(), end.status(), succeeded ? end.metrics().testAccuracy() : null,
                options, succeeded ? end.metrics().valAccuracy() : null, end.epochsDone(), end.reason());
    }

    /** This row without its test accuracy: a random search's losing trials. */
    public SweepRow withoutTestAccuracy() {
        return new SweepRow(value, experimentId, status, null, options, valAccuracy, epochsDone, reason);
    }

    @JsonIgnore
    public boolean succeeded() {
        return status == ExperimentEvent.Type.SUCCEEDED && (testAccuracy != null || valAccuracy != null);
    }
}
