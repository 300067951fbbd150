package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.EARLY_STOPPING;
import static dev.fmnist.contract.fields.RequestFields.MIN_DELTA;
import static dev.fmnist.contract.fields.RequestFields.PATIENCE;
import static dev.fmnist.contract.fields.RequestFields.path;

/**
 * Stops a run whose validation accuracy no longer improves: after {@code patience} epochs in a row
 * without a gain of more than {@code minDelta} over the best so far.
 *
 * @param patience epochs without improvement before stopping, 1..100
 * @param minDelta the smallest gain in validation accuracy that counts, in [0, 1)
 */
public record EarlyStopping(int patience, double minDelta) {

    public static final int MAX_PATIENCE = 100;

    public EarlyStopping {
        if (patience < 1 || patience > MAX_PATIENCE) {
            throw new IllegalArgumentException(path(EARLY_STOPPING, PATIENCE) + ": must be between 1 and " + MAX_PATIENCE + ", got "
                    + patience);
        }
        if (!(minDelta >= 0 && minDelta < 1)) {
            throw new IllegalArgumentException(path(EARLY_STOPPING, MIN_DELTA) + ": must be in [0, 1), got " + minDelta);
        }
    }
}
