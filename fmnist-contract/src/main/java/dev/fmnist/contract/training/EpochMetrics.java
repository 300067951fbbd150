package dev.fmnist.contract.training;

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
 */
public record EpochMetrics(
        int epoch,
        double trainSeconds,
        double loss,
        double trainAccuracy,
        double testAccuracy,
        double evalSeconds,
        double imagesPerSecond,
        long rssBytes) {}
