package dev.fmnist.engine.training;

/**
 * A checkpoint that passed its own checks (format, checksum, fingerprint) but does not fit the network
 * or the run it was given to: nothing of it was trained on, and the run may start from the beginning.
 * Thrown before the observer hears {@link TrainingObserver#onStart}.
 */
public class CheckpointMismatchException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public CheckpointMismatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
