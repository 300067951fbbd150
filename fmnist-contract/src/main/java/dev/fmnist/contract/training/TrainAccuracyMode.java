package dev.fmnist.contract.training;

/** How the per-epoch training accuracy is measured. */
public enum TrainAccuracyMode {
    /** As the seed: an evaluation pass over the whole training set after the epoch. */
    EVALUATION_PASS,
    /** Free: the accuracy of the training batches' own forward passes during the epoch. */
    RUNNING,
    /** Not measured. */
    NONE
}
