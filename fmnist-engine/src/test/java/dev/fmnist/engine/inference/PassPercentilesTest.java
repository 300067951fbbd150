package dev.fmnist.engine.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The raw pass's percentiles are nearest-rank over the passes timed: a figure some pass really took. */
class PassPercentilesTest {

    private static final long MS = 1_000_000;

    @Test
    void nearestRankOverAHundredPasses() {
        long[] sorted = LongStream.rangeClosed(1, 100).map(i -> i * MS).toArray();
        assertThat(InferenceModel.percentileMs(sorted, 0.5)).isEqualTo(50.0);
        assertThat(InferenceModel.percentileMs(sorted, 0.99)).isEqualTo(99.0);
    }

    @Test
    void fewPassesGiveTheirSlowestAsTheTail() {
        long[] sorted = {MS, 2 * MS, 30 * MS};
        assertThat(InferenceModel.percentileMs(sorted, 0.5)).isEqualTo(2.0);
        assertThat(InferenceModel.percentileMs(sorted, 0.99)).isEqualTo(30.0);
        assertThat(InferenceModel.percentileMs(new long[] {7 * MS}, 0.99)).isEqualTo(7.0);
    }
}
