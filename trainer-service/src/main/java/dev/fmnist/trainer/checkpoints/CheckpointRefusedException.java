package dev.fmnist.trainer.checkpoints;

/** A stored checkpoint that cannot be resumed from, and why. */
public final class CheckpointRefusedException extends Exception {

    private final Refusal refusal;

    public CheckpointRefusedException(Refusal refusal, String message) {
        super(message);
        this.refusal = refusal;
    }

    public Refusal refusal() {
        return refusal;
    }
}
