package dev.fmnist.inference.live;

import dev.fmnist.contract.predictions.LiveStats;
import java.util.List;
import java.util.Optional;

/**
 * What the live-accuracy processor knows of each model version, as this replica last read it from the
 * live-accuracy topic: the gauges, the promotion policy and whoever else asks read it here.
 */
public interface LiveStatsView {

    /** The newest statistics of {@code model}'s {@code version}; empty when none are known (yet). */
    Optional<LiveStats> get(String model, String version);

    /** Every version's, in no particular order. */
    List<LiveStats> all();
}
