package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The chaos soak's short form: about 3 minutes with a fixed seed, every kind of fault at least once
 * (a broker killed, a trainer killed and one paused past its lease, the inference replica restarted,
 * garbage on every internal topic, a forged claim and a forged end), then every invariant checked.
 * {@code bench/chaos-soak.sh} runs the same driver for longer; {@code -Dfmnist.chaos.minutes},
 * {@code .seed} and {@code .trainers} change it here too (see {@link ChaosSoak.Settings}).
 */
class ChaosIT {

    /** The seed of the short form: the same order of faults on every run. */
    private static final long SEED = 24;

    @Test
    void everyExperimentEndsOnceThroughEveryKindOfFault() throws Exception {
        ChaosReport report = new ChaosSoak(ChaosSoak.Settings.fromProperties(3, SEED, 2)).run();

        assertThat(report.faultCounts()).as("every kind of fault injected at least once\n%s", report.markdown())
                .containsOnlyKeys(ChaosFault.values());
        assertThat(report.breaches()).as("the invariants\n%s", report.markdown()).isEmpty();
    }
}
