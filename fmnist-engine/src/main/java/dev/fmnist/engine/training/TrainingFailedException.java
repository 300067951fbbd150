package dev.fmnist.engine.training;

/** The run cannot go on: the loss diverged, or the engine failed (out of memory, a native error). */
public class TrainingFailedException extends RuntimeException {

    public TrainingFailedException(String message) {
        super(message);
    }

    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
