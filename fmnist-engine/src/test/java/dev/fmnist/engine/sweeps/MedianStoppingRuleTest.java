package dev.fmnist.engine.sweeps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.MedianStopping;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MedianStoppingRuleTest {

    private static final MedianStopping TWO_TRIALS = new MedianStopping(2, 1);

    @Test
    void aTrialBelowTheMedianOfTheOthersAtTheSameEpochStops() {
        List<List<Double>> others = List.of(List.of(0.70, 0.80), List.of(0.60, 0.84), List.of(0.75, 0.82));

        assertThat(MedianStoppingRule.check(TWO_TRIALS, 1, 0.81, others)).hasValueSatisfying(reason -> assertThat(reason)
                .isEqualTo("median stopping: validation accuracy 0.8100 after epoch 2 is below the median 0.8200 of "
                        + "3 other trials there"));
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 1, 0.82, others)).as("at the median: goes on").isEmpty();
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 0, 0.69, others)).as("epoch 1's median is 0.70").isPresent();
    }

    @Test
    void anEvenCountTakesTheMeanOfTheMiddleTwo() {
        List<List<Double>> others = List.of(List.of(0.60), List.of(0.80));
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 0, 0.69, others)).isPresent();
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 0, 0.70, others)).isEmpty();
    }

    @Test
    void onlyTrialsThatReachedTheEpochCountAndTooFewOrTheGracePeriodKeepItRunning() {
        List<List<Double>> others = Arrays.asList(List.of(0.9, 0.9, 0.9), List.of(0.9), null, List.of());
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 0, 0.5, others)).as("two reached epoch 1").isPresent();
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 2, 0.5, others)).as("one reached epoch 3").isEmpty();
        assertThat(MedianStoppingRule.check(new MedianStopping(2, 2), 0, 0.5, others)).as("grace period").isEmpty();
        assertThat(MedianStoppingRule.check(null, 0, 0.5, others)).as("no rule").isEmpty();
        assertThat(MedianStoppingRule.check(TWO_TRIALS, 0, Double.NaN, others)).as("nothing validated").isEmpty();
    }
}
