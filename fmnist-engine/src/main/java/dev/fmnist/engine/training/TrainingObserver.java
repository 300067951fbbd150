package dev.fmnist.engine.training;

import dev.fmnist.contract.training.EpochMetrics;

/**
 * Hears a run's progress and may stop it. Called on the training thread: keep the calls short.
 */
public interface TrainingObserver {

    /** No-op observer. */
    TrainingObserver NONE = new TrainingObserver() {};

    /** Before the first epoch; {@code device} is where the run computes, such as {@code cpu()} or {@code gpu(0)}. */
    default void onStart(String device, int batchesPerEpoch) {}

    /** After each training step; {@code batch} counts from 1. */
    default void onBatchEnd(int epoch, int batch, int batchesPerEpoch) {}

    default void onEpochEnd(EpochMetrics metrics) {}

    /** Polled before every batch; true ends the run with {@link TrainingCancelledException}. */
    default boolean cancelRequested() {
        return false;
    }
}
