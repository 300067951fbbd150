package dev.fmnist.engine.sweeps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.SweepRow;
import dev.fmnist.engine.sweeps.SweepRunner.SweepOutcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SweepRunnerTest {

    private static final ExperimentRequest SWEEP = new RequestParser().parse(
            "{\"experimentId\":\"s\",\"architecture\":\"compare\",\"sweep\":{\"parameter\":\"k\",\"values\":[3,4,5]}}"
                    .getBytes(StandardCharsets.UTF_8));

    private static ExperimentEvent end(ExperimentRequest child, Type type, Double accuracy) {
        ExperimentEvent.Builder event = ExperimentEvent.builder(type, child.experimentId()).request(child, "s");
        return accuracy == null ? event.build()
                : event.metrics(new EventMetrics(0.3, null, accuracy, 1.0, 100.0)).build();
    }

    @Test
    void childrenRunInOrderExceptThoseThatEndedBeforeAndTheRowsSayHowEachEnded() {
        List<String> ran = new ArrayList<>();
        Map<String, ExperimentEvent> endedBefore = Map.of("s/k=4",
                end(SWEEP.children().get(1), Type.SUCCEEDED, 0.85));
        SweepOutcome outcome = new SweepRunner(child -> Optional.ofNullable(endedBefore.get(child.experimentId())),
                child -> {
                    ran.add(child.experimentId());
                    return end(child, Type.SUCCEEDED, child.network().k() == 3 ? 0.83 : 0.86);
                }).run(SWEEP);

        assertThat(ran).containsExactly("s/k=3", "s/k=5");
        assertThat(outcome.rows()).extracting(SweepRow::value).containsExactly(3.0, 4.0, 5.0);
        assertThat(outcome.rows()).extracting(SweepRow::testAccuracy).containsExactly(0.83, 0.85, 0.86);
        assertThat(outcome.outcome()).isEqualTo(Type.SUCCEEDED);
        assertThat(outcome.reason()).isNull();
    }

    @Test
    void aFailedChildFailsTheSweepAndACancelledOneCancelsIt() {
        SweepOutcome failed = new SweepRunner(child -> Optional.empty(), child -> end(child,
                child.network().k() == 4 ? Type.FAILED : Type.SUCCEEDED, child.network().k() == 4 ? null : 0.8))
                .run(SWEEP);
        assertThat(failed.outcome()).isEqualTo(Type.FAILED);
        assertThat(failed.reason()).isEqualTo("2 of 3 runs succeeded");
        assertThat(failed.rows().get(1).testAccuracy()).isNull();

        SweepOutcome cancelled = new SweepRunner(child -> Optional.empty(), child -> end(child,
                child.network().k() == 5 ? Type.CANCELLED : Type.SUCCEEDED, 0.8)).run(SWEEP);
        assertThat(cancelled.outcome()).isEqualTo(Type.CANCELLED);
    }
}
