package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fmnist.contract.training.EpochMetrics;

/**
 * The {@code metrics} of an event: EPOCH and SUCCEEDED carry an epoch's figures, PROGRESS only the
 * images per second so far in the epoch. Figures not measured are left out of the JSON.
 *
 * @param loss mean training loss of the epoch
 * @param trainAccuracy training-set accuracy, when measured
 * @param testAccuracy test-set accuracy after the epoch
 * @param epochSeconds wall time of the epoch's training steps
 * @param imagesPerSecond training images per second
 * @param valAccuracy validation-set accuracy, with a validation split
 * @param valLoss validation loss, with a validation split
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EventMetrics(
        Double loss, Double trainAccuracy, Double testAccuracy, Double epochSeconds, Double imagesPerSecond,
        Double valAccuracy, Double valLoss) {

    /** Figures without a validation split. */
    public EventMetrics(Double loss, Double trainAccuracy, Double testAccuracy, Double epochSeconds,
            Double imagesPerSecond) {
        this(loss, trainAccuracy, testAccuracy, epochSeconds, imagesPerSecond, null, null);
    }

    /** An epoch's figures; what was not measured (NaN) is left out. */
    public static EventMetrics of(EpochMetrics epoch) {
        return new EventMetrics(epoch.loss(), orNull(epoch.trainAccuracy()), epoch.testAccuracy(), epoch.trainSeconds(),
                epoch.imagesPerSecond(), orNull(epoch.valAccuracy()), orNull(epoch.valLoss()));
    }

    private static Double orNull(double value) {
        return Double.isNaN(value) ? null : value;
    }

    /** PROGRESS: the rate so far in the epoch. */
    public static EventMetrics progress(double imagesPerSecond) {
        return new EventMetrics(null, null, null, null, imagesPerSecond);
    }
}
