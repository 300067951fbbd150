package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.fields.RequestFields.GRACE_PERIOD;
import static dev.fmnist.contract.fields.RequestFields.MEDIAN_STOPPING;
import static dev.fmnist.contract.fields.RequestFields.MIN_TRIALS;
import static dev.fmnist.contract.fields.RequestFields.SWEEP;
import static dev.fmnist.contract.fields.RequestFields.path;

/**
 * Katib's and Ray Tune's median stopping rule for a random search: a trial whose validation accuracy
 * after an epoch is below the median of the other trials' at that same epoch is stopped there, once
 * enough trials have reached it. A stopped trial still ends SUCCEEDED, with the epochs it ran.
 *
 * @param minTrials how many other trials must have reached an epoch before it is compared there
 * @param gracePeriod epochs every trial runs before the rule may stop it
 */
public record MedianStopping(int minTrials, int gracePeriod) {

    public static final int DEFAULT_MIN_TRIALS = 3;
    public static final int DEFAULT_GRACE_PERIOD = 1;
    public static final int MAX_MIN_TRIALS = Sweep.MAX_TRIALS - 1;

    public MedianStopping {
        if (minTrials < 1 || minTrials > MAX_MIN_TRIALS) {
            throw new IllegalArgumentException(path(SWEEP, MEDIAN_STOPPING, MIN_TRIALS) + ": must be between 1 and "
                    + MAX_MIN_TRIALS + ", got " + minTrials);
        }
        if (gracePeriod < 1) {
            throw new IllegalArgumentException(path(SWEEP, MEDIAN_STOPPING, GRACE_PERIOD) + ": must be at least 1, got " + gracePeriod);
        }
    }
}
