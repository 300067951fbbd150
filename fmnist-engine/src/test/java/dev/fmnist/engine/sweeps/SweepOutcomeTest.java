package dev.fmnist.engine.sweeps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.SweepRow;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SweepOutcomeTest {

    private static final ExperimentRequest SWEEP = new RequestParser().parse(
            "{\"experimentId\":\"s\",\"architecture\":\"compare\",\"sweep\":{\"parameter\":\"k\",\"values\":[3,4,5]}}"
                    .getBytes(StandardCharsets.UTF_8));
    private static final ExperimentState PARENT = ExperimentState.of("s")
            .next(Queued.of("s", Subject.of(SWEEP, null)));

    private final Map<String, ExperimentState> children = new HashMap<>();

    private void end(int index, Type type, Double accuracy) {
        ExperimentRequest child = SWEEP.children().get(index);
        String id = child.experimentId();
        Subject subject = Subject.of(child, "s");
        Terminal event = switch (type) {
            case SUCCEEDED -> Succeeded.of(id, subject, "v1", new EventMetrics(0.3, null, accuracy, 1.0, 100.0), null);
            case FAILED -> Failed.of(id, subject, "diverged");
            case CANCELLED -> Cancelled.of(id, subject, "cancelled in epoch 0");
            default -> throw new IllegalArgumentException("not a child's end: " + type);
        };
        children.put(id, ExperimentState.of(id).next(event));
    }

    private Optional<SweepOutcome> outcome() {
        return SweepOutcome.of(PARENT, id -> Optional.ofNullable(children.get(id)));
    }

    @Test
    void noOutcomeUntilEveryChildEndedThenRowsInTheSweepsOrder() {
        end(2, Type.SUCCEEDED, 0.86);
        end(0, Type.SUCCEEDED, 0.83);
        assertThat(outcome()).isEmpty();
        children.put("s/k=4", ExperimentState.of("s/k=4").next(Running.of("s/k=4", Subject.NONE, "cpu()", "w-1")));
        assertThat(outcome()).isEmpty();

        end(1, Type.SUCCEEDED, 0.85);
        SweepOutcome outcome = outcome().orElseThrow();
        assertThat(outcome.rows()).extracting(SweepRow::experimentId).containsExactly("s/k=3", "s/k=4", "s/k=5");
        assertThat(outcome.rows()).extracting(SweepRow::value).containsExactly(3.0, 4.0, 5.0);
        assertThat(outcome.rows()).extracting(SweepRow::testAccuracy).containsExactly(0.83, 0.85, 0.86);
        assertThat(outcome.outcome()).isEqualTo(Type.SUCCEEDED);
        assertThat(outcome.reason()).isNull();
        Terminal end = outcome.end("s", Subject.of(PARENT));
        assertThat(end).isInstanceOf(Succeeded.class);
        assertThat(((Succeeded) end).artefactVersion()).as("a sweep publishes no artefact of its own").isNull();
        assertThat(end.subject().sweep()).isEqualTo(SWEEP.sweep());
    }

    @Test
    void aFailedChildFailsTheSweepAndACancelledOneCancelsIt() {
        end(0, Type.SUCCEEDED, 0.8);
        end(1, Type.FAILED, null);
        end(2, Type.SUCCEEDED, 0.8);
        SweepOutcome failed = outcome().orElseThrow();
        assertThat(failed.outcome()).isEqualTo(Type.FAILED);
        assertThat(failed.reason()).isEqualTo("2 of 3 runs succeeded");
        assertThat(failed.rows().get(1).testAccuracy()).isNull();
        Terminal end = failed.end("s", Subject.NONE);
        assertThat(end).isEqualTo(new Failed("s", end.at(), Subject.NONE, "2 of 3 runs succeeded"));

        end(2, Type.CANCELLED, null);
        assertThat(outcome().orElseThrow().outcome()).isEqualTo(Type.CANCELLED);
        assertThat(outcome().orElseThrow().end("s", Subject.NONE)).isInstanceOf(Cancelled.class);
    }
}
