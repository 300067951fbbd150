package dev.fmnist.engine.training;

/** The observer asked to stop; thrown between batches, so nothing is half-applied. */
public class TrainingCancelledException extends RuntimeException {

    public TrainingCancelledException(String message) {
        super(message);
    }
}
