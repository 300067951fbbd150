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
        return of(value, null, end, true);
    }

    /**
     * The row of a child from its state once it ended, with the options it drew (null for a grid) and,
     * if {@code withTest}, its test accuracy.
     */
    public static SweepRow of(double value, Map<String, Double> options, ExperimentState end, boolean withTest) {
        boolean succeeded = end.status() == ExperimentEvent.Type.SUCCEEDED && end.metrics() != null;
        Double accuracy = succeeded && withTest ? end.metrics().testAccuracy() : null;
        Double validation = succeeded ? end.metrics().valAccuracy() : null;
        return new SweepRow(value, end.experimentId(), end.status(), accuracy, options, validation, end.epochsDone(),
                end.reason());
    }

    /** This row with the test accuracy of {@code end} (the winner's). */
    public SweepRow withTestAccuracy(ExperimentState end) {
        return new SweepRow(value, experimentId, status, end.metrics().testAccuracy(), options, valAccuracy, epochsDone,
                reason);
    }

    @JsonIgnore
    public boolean succeeded() {
        return status == ExperimentEvent.Type.SUCCEEDED && (testAccuracy != null || valAccuracy != null);
    }
}
