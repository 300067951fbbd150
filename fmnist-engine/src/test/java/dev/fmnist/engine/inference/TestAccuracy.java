package dev.fmnist.engine.inference;

import dev.fmnist.contract.data.FashionMnist;

/** The engine tests' accuracy of class probabilities against a split's labels: the share whose largest is the label. */
public final class TestAccuracy {

    private TestAccuracy() {}

    /** The share of the first {@code probabilities.length} images of {@code split} classified right. */
    public static double of(float[][] probabilities, FashionMnist.Split split) {
        int correct = 0;
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            for (int c = 1; c < FashionMnist.CLASSES; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            correct += best == split.labels()[i] ? 1 : 0;
        }
        return correct / (double) probabilities.length;
    }
}
