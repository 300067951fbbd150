package dev.fmnist.engine.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Nearest rank: a percentile is a value some timing really had. */
class PercentilesTest {

    @Test
    void nearestRankOverAHundredValues() {
        long[] sorted = LongStream.rangeClosed(1, 100).toArray();
        assertThat(Percentiles.nearestRank(sorted, 0.5)).isEqualTo(50);
        assertThat(Percentiles.nearestRank(sorted, 0.99)).isEqualTo(99);
        assertThat(Percentiles.nearestRank(sorted, 1)).isEqualTo(100);
    }

    @Test
    void fewValuesGiveTheirSlowestAsTheTail() {
        long[] sorted = {1, 2, 30};
        assertThat(Percentiles.nearestRank(sorted, 0.5)).isEqualTo(2);
        assertThat(Percentiles.nearestRank(sorted, 0.99)).isEqualTo(30);
        assertThat(Percentiles.nearestRank(new long[] {7}, 0.99)).isEqualTo(7);
    }

    @Test
    void noValuesOrNoPercentileAreRefusedByName() {
        assertThatThrownBy(() -> Percentiles.nearestRank(new long[0], 0.5)).hasMessage("sorted: no values");
        assertThatThrownBy(() -> Percentiles.nearestRank(new long[] {1}, 0))
                .hasMessage("q: expected above 0 and at most 1, got 0.0");
        assertThatThrownBy(() -> Percentiles.nearestRank(new long[] {1}, Double.NaN))
                .hasMessage("q: expected above 0 and at most 1, got NaN");
    }
}
