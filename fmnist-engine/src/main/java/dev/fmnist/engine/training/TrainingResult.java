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
 * @param trainImages images in the training set used
 * @param parameterCount trainable parameters
 * @param epochs per-epoch metrics, in order
 * @param parameters the trained parameters ({@code Block.saveParameters})
 */
public record TrainingResult(
        NetworkSpec spec,
        HyperParameters hyperParameters,
        String device,
        int trainImages,
        long parameterCount,
        List<EpochMetrics> epochs,
        byte[] parameters) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
        parameters = parameters.clone();
    }

    /** A copy of the trained parameters: a result is a value, whoever reads it. */
    @Override
    public byte[] parameters() {
        return parameters.clone();
    }

    /** Test accuracy after the last epoch. */
    public double testAccuracy() {
        return epochs.get(epochs.size() - 1).testAccuracy();
    }

    /** Training wall time over all epochs, evaluation excluded. */
    public double trainSeconds() {
        return epochs.stream().mapToDouble(EpochMetrics::trainSeconds).sum();
    }
}
