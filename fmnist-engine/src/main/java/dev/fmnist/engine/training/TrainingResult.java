package dev.fmnist.engine.training;

import dev.fmnist.contract.data.FashionMnist;
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
 * @param testConfusion the published weights' test set as [true label][predicted class], 10x10, counted
 *     in the test pass that measured their test accuracy; null when not counted
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
        String stopReason,
        int[][] testConfusion) {

    public TrainingResult {
        epochs = List.copyOf(epochs);
        parameters = parameters.clone();
        if (publishedEpoch < 0 || publishedEpoch >= epochs.size()) {
            throw new IllegalArgumentException("publishedEpoch: " + publishedEpoch + " is not one of the "
                    + epochs.size() + " epochs");
        }
        if (testConfusion != null) {
            if (testConfusion.length != FashionMnist.CLASSES) {
                throw new IllegalArgumentException("testConfusion: expected " + FashionMnist.CLASSES + " rows, got "
                        + testConfusion.length);
            }
            int[][] copy = new int[FashionMnist.CLASSES][];
            for (int label = 0; label < copy.length; label++) {
                if (testConfusion[label] == null || testConfusion[label].length != FashionMnist.CLASSES) {
                    throw new IllegalArgumentException("testConfusion[" + label + "]: expected " + FashionMnist.CLASSES
                            + " columns");
                }
                copy[label] = testConfusion[label].clone();
            }
            testConfusion = copy;
        }
    }

    /** A result without test counts. */
    public TrainingResult(NetworkSpec spec, HyperParameters hyperParameters, String device, String djlVersion,
            String pytorchVersion, int trainImages, long parameterCount, List<EpochMetrics> epochs, byte[] parameters,
            int publishedEpoch, String stopReason) {
        this(spec, hyperParameters, device, djlVersion, pytorchVersion, trainImages, parameterCount, epochs, parameters,
                publishedEpoch, stopReason, null);
    }

    /** A copy of the test confusion [label][predicted], or null when not counted. */
    @Override
    public int[][] testConfusion() {
        if (testConfusion == null) {
            return null;
        }
        int[][] copy = new int[testConfusion.length][];
        for (int label = 0; label < copy.length; label++) {
            copy[label] = testConfusion[label].clone();
        }
        return copy;
    }

    /**
     * How many test images the published weights predicted as each class (the confusion's column sums,
     * summing to the test set's size); null when not counted. The manifest's {@code testPredicted}.
     */
    public int[] testPredicted() {
        if (testConfusion == null) {
            return null;
        }
        int[] predicted = new int[FashionMnist.CLASSES];
        for (int[] row : testConfusion) {
            for (int c = 0; c < row.length; c++) {
                predicted[c] += row[c];
            }
        }
        return predicted;
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
