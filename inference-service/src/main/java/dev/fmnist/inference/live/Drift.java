package dev.fmnist.inference.live;

/**
 * How far a version's predicted classes on live traffic are from those on the test set: the total
 * variation distance of the two distributions, half the summed absolute differences of the shares,
 * 0 when they are the same and 1 when they share no class.
 */
final class Drift {

    private Drift() {}

    /** NaN when either side has no predictions or they count different classes. */
    static double totalVariation(long[] live, int[] test) {
        if (live == null || test == null || live.length != test.length) {
            return Double.NaN;
        }
        double liveTotal = 0;
        double testTotal = 0;
        for (int i = 0; i < live.length; i++) {
            liveTotal += live[i];
            testTotal += test[i];
        }
        if (liveTotal <= 0 || testTotal <= 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < live.length; i++) {
            sum += Math.abs(live[i] / liveTotal - test[i] / testTotal);
        }
        return sum / 2;
    }
}
