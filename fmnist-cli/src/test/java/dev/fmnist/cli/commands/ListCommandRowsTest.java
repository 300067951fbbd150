package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.Sweep;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code fmnist list}'s rows: a sweep's parent shows its children's progress, a run its epochs. */
class ListCommandRowsTest {

    private static final Sweep K = Sweep.grid("k", List.of(3.0, 4.0, 5.0));
    private static final Subject PARENT = new Subject(null, "compare", null, 2, null, K);

    @Test
    void aSweepsParentCountsItsEndedChildrenNotItsOwnEpochs() {
        ExperimentState parent = ExperimentState.of("sweep-1").next(Queued.of("sweep-1", PARENT))
                .next(Running.of("sweep-1", PARENT, "cpu()", "trainer-1"));
        List<String> children = parent.childIds();
        assertThat(children).hasSize(3);
        Map<String, ExperimentState> byId = new HashMap<>();
        byId.put(parent.experimentId(), parent);

        assertThat(ListCommand.progress(ListCommand.summary(parent, byId))).isEqualTo("0/3 runs");

        byId.put(children.get(0), succeeded(children.get(0), 3));
        byId.put(children.get(1), running(children.get(1), 4));
        ListCommand.Summary row = ListCommand.summary(parent, byId);
        assertThat(ListCommand.progress(row)).isEqualTo("1/3 runs");
        assertThat(row.runs()).isEqualTo(3);
        assertThat(row.runsEnded()).isEqualTo(1);

        byId.put(children.get(1), running(children.get(1), 4).next(Cancelled.of(children.get(1), child(4), "stop")));
        assertThat(ListCommand.progress(ListCommand.summary(parent, byId))).isEqualTo("2/3 runs");
        // a child's own row is a run's: its epochs
        assertThat(ListCommand.progress(ListCommand.summary(byId.get(children.get(0)), byId))).isEqualTo("2/2");
    }

    @Test
    void aSingleRunShowsItsEpochsAndNoRuns() {
        Subject mlp = new Subject(null, "mlp", null, 4, null, null);
        ExperimentState run = ExperimentState.of("run-1").next(Queued.of("run-1", mlp))
                .next(Running.of("run-1", mlp, "cpu()", "trainer-1"))
                .next(Epoch.of("run-1", mlp, 0, new EventMetrics(0.5, 0.8, 0.79, 1.0, 100.0)));
        ListCommand.Summary row = ListCommand.summary(run, Map.of());
        assertThat(row.runs()).isNull();
        assertThat(ListCommand.progress(row)).isEqualTo("1/4");
    }

    private static Subject child(int k) {
        return new Subject("sweep-1", "compare", k, 2, null, null);
    }

    private static ExperimentState running(String id, int k) {
        return ExperimentState.of(id).next(Queued.of(id, child(k))).next(Running.of(id, child(k), "cpu()", "trainer-1"));
    }

    private static ExperimentState succeeded(String id, int k) {
        ExperimentState state = running(id, k);
        for (int epoch = 0; epoch < 2; epoch++) {
            state = state.next(Epoch.of(id, child(k), epoch, new EventMetrics(0.5, 0.8, 0.79, 1.0, 100.0)));
        }
        return state.next(Succeeded.of(id, child(k), "0123456789ab", new EventMetrics(0.42, 0.85, 0.8456, 2.0, 30000.0),
                null));
    }
}
