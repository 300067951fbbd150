package dev.fmnist.contract.training;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What one epoch produced.
 *
 * @param epoch 0-based, as the seed prints it
 * @param trainSeconds wall time of the epoch's training steps, evaluation excluded
 * @param loss mean softmax cross-entropy over the epoch's batches
 * @param trainAccuracy training-set accuracy (see {@link TrainAccuracyMode}); NaN when not measured
 * @param testAccuracy test-set accuracy after the epoch
 * @param evalSeconds wall time of the accuracy passes
 * @param imagesPerSecond training images per second of {@code trainSeconds}
 * @param rssBytes resident memory of the process after the epoch (0 where the OS does not say)
 * @param valAccuracy validation-set accuracy after the epoch; NaN without a validation split
 * @param valLoss mean softmax cross-entropy on the validation set; NaN without a validation split
 */
public record EpochMetrics(
        int epoch,
        double trainSeconds,
        double loss,
        double trainAccuracy,
        double testAccuracy,
        double evalSeconds,
        double imagesPerSecond,
        long rssBytes,
        double valAccuracy,
        double valLoss) {

    /** An epoch without a validation split. */
    public EpochMetrics(int epoch, double trainSeconds, double loss, double trainAccuracy, double testAccuracy,
            double evalSeconds, double imagesPerSecond, long rssBytes) {
        this(epoch, trainSeconds, loss, trainAccuracy, testAccuracy, evalSeconds, imagesPerSecond, rssBytes, Double.NaN,
                Double.NaN);
    }

    /** As manifests store it; one written before validation splits existed reads with NaN, not 0, for them. */
    @JsonCreator
    static EpochMetrics read(@JsonProperty("epoch") int epoch, @JsonProperty("trainSeconds") double trainSeconds,
            @JsonProperty("loss") double loss, @JsonProperty("trainAccuracy") double trainAccuracy,
            @JsonProperty("testAccuracy") double testAccuracy, @JsonProperty("evalSeconds") double evalSeconds,
            @JsonProperty("imagesPerSecond") double imagesPerSecond, @JsonProperty("rssBytes") long rssBytes,
            @JsonProperty("valAccuracy") Double valAccuracy, @JsonProperty("valLoss") Double valLoss) {
        return new EpochMetrics(epoch, trainSeconds, loss, trainAccuracy, testAccuracy, evalSeconds, imagesPerSecond,
                rssBytes, valAccuracy == null ? Double.NaN : valAccuracy, valLoss == null ? Double.NaN : valLoss);
    }
}
