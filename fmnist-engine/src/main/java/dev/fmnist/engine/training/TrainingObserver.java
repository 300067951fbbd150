package dev.fmnist.engine.training;

import dev.fmnist.contract.training.EpochMetrics;
import java.util.Optional;

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

    /**
     * Asked after each epoch (after {@link #onEpochEnd}) whether to stop the run there: a reason ends it
     * as a finished run with the epochs it ran, as early stopping does; empty goes on.
     */
    default Optional<String> stopAfter(EpochMetrics metrics) {
        return Optional.empty();
    }

    /** Polled before every batch; true ends the run with {@link TrainingCancelledException}. */
    default boolean cancelRequested() {
        return false;
    }

    /**
     * Asked after each batch but an epoch's last (whose checkpoint follows at the epoch's end) whether
     * to take a checkpoint now; {@code batchesDone} counts the epoch's batches done, from 1.
     */
    default boolean checkpointDue(int epoch, int batchesDone) {
        return false;
    }

    /**
     * A checkpoint the run can continue from: at every epoch's end (after {@link #onEpochEnd} and before
     * {@link #stopAfter}), and mid-epoch when {@link #checkpointDue} said so. Taking one copies the
     * weights and the optimiser's state to the host; writing it out is the observer's.
     */
    default void onCheckpoint(TrainingCheckpoint checkpoint) {}

    /** Before the first batch of a run resumed from {@code from} (after {@link #onStart}). */
    default void onResume(TrainingCheckpoint from) {}
}
