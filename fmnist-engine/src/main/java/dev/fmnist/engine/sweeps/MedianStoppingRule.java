package dev.fmnist.engine.sweeps;

import dev.fmnist.contract.experiments.MedianStopping;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The median stopping rule of Katib and Ray Tune for one trial after one epoch: stop when its
 * validation accuracy there is below the median of the other trials' at the same epoch, once at
 * least {@code minTrials} of them have reached it and the trial has run its grace period. The other
 * trials' figures are whatever they have reported so far, whichever trainers run them.
 */
public final class MedianStoppingRule {

    private MedianStoppingRule() {}

    /**
     * Why the trial stops after {@code epoch} (0-based), or empty to go on.
     *
     * @param others the other trials' validation accuracy after each epoch they ran
     */
    public static Optional<String> check(MedianStopping rule, int epoch, double valAccuracy, List<List<Double>> others) {
        if (rule == null || epoch + 1 < rule.gracePeriod() || Double.isNaN(valAccuracy)) {
            return Optional.empty();
        }
        double[] there = others.stream().filter(curve -> curve != null && curve.size() > epoch)
                .mapToDouble(curve -> curve.get(epoch)).sorted().toArray();
        if (there.length < rule.minTrials()) {
            return Optional.empty();
        }
        int middle = there.length / 2;
        double median = there.length % 2 == 1 ? there[middle] : (there[middle - 1] + there[middle]) / 2;
        if (valAccuracy >= median) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "median stopping: validation accuracy %.4f after epoch %d is "
                + "below the median %.4f of %d other trials there", valAccuracy, epoch + 1, median, there.length));
    }
}
