package dev.fmnist.engine.util;

/** Percentiles of timings: one rule for the raw pass and the load generator's points alike. */
public final class Percentiles {

    private Percentiles() {}

    /**
     * The nearest-rank {@code q} percentile (0 < q <= 1) of {@code sorted}, ascending and not empty: the
     * smallest value with at least {@code q} of the values at or below it, so always one that was measured.
     */
    public static long nearestRank(long[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("sorted: no values");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q: expected above 0 and at most 1, got " + q);
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
