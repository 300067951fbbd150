package dev.fmnist.engine.training;

import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import java.util.List;

/**
 * A finished run: its metrics and its trained parameters in DJL's parameter format.
 *
 * @param spec the network trained
 * @param hyperParameters how it was trained
 * @param device where it was trained
 * @param djlVersion the DJL that trained it
 * @param pytorchVersion the libtorch that trained it
 * @param trainImages images in the training set used
 * @param parameterCount trainable parameters
 * @param epochs per-epoch metrics, in order
 * @param parameters the published parameters ({@code Block.saveParameters}): the last epoch's, or with
 *     {@code keepBest val} the best epoch's by validation accuracy
 * @param publishedEpoch the index in {@code epochs} of the epoch whose weights {@code parameters} holds
 * @param stopReason why the run ended before its planned epochs (early stopping, the observer's rule);
 *     null when it ran them all
 */
public record TrainingResult(
        NetworkSpec spec,
        HyperParameters hyperParameters,
        String device,
        String djlVersion,
        String pytorchVersion,
        int trainImages,
        long parameterCount,
        List<EpochMetrics> epochs,
        byte[] parameters,
        int publishedEpoch,
        String stopReason) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
        parameters = parameters.clone();
        if (publishedEpoch < 0 || publishedEpoch >= epochs.size()) {
            throw new IllegalArgumentException("publishedEpoch: " + publishedEpoch + " is not one of the "
                    + epochs.size() + " epochs");
        }
    }

    /** A copy of the trained parameters: a result is a value, whoever reads it. */
    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    /** The figures of the epoch whose weights were published. */
    public EpochMetrics publishedMetrics() {
        return epochs.get(publishedEpoch);
    }

    /** Test accuracy of the published weights: what the artefact scores. */
    public double testAccuracy() {
        return publishedMetrics().testAccuracy();
    }

    /** Whether a stopping rule ended the run before its planned epochs. */
    public boolean stoppedEarly() {
        return stopReason != null;
    }

    /** Training wall time over all epochs, evaluation excluded. */
    public double trainSeconds() {
        return epochs.stream().mapToDouble(EpochMetrics::trainSeconds).sum();
    }
}
