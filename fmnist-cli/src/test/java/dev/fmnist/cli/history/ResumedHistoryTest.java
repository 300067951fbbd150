package dev.fmnist.cli.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import org.junit.jupiter.api.Test;

/** {@code show}, {@code list} and {@code report} read a run taken over and resumed as the run it is: each epoch once. */
class ResumedHistoryTest {

    private static final String ID = "resumed-1";
    private static final Subject MLP = new Subject(null, "mlp", null, 4, null, null);

    private static Epoch epoch(int epoch, double loss) {
        return Epoch.of(ID, MLP, epoch, new EventMetrics(loss, 0.8, 0.8, 1.0, 1000.0, null, null));
    }

    @Test
    void aResumedRunHasEachEpochOnceWithTheFiguresOfTheTrainerThatFinishedIt() {
        ExperimentHistory history = new ExperimentHistory();
        history.apply(Queued.of(ID, MLP));
        history.apply(Running.of(ID, MLP, "cpu()", "trainer-a"));
        history.apply(epoch(0, 0.9));
        history.apply(epoch(1, 0.7));
        history.apply(epoch(2, 0.6)); // its checkpoint never written: trainer-a was killed
        history.apply(Running.of(ID, MLP, "cpu()", "trainer-b"));
        history.apply(Resumed.of(ID, MLP, 2, 0, "trainer-b"));
        history.apply(epoch(2, 0.5));
        history.apply(epoch(3, 0.4));
        history.apply(Succeeded.of(ID, MLP, "0123456789ab", null, null));

        ExperimentRecord record = history.find(ID).orElseThrow();
        assertThat(record.getStatus()).isEqualTo(Type.SUCCEEDED);
        assertThat(record.getEpochsDone()).isEqualTo(4);
        assertThat(record.getEpochMetrics()).extracting(ExperimentRecord.Epoch::epoch).containsExactly(1, 2, 3, 4);
        assertThat(record.getEpochMetrics()).extracting(ExperimentRecord.Epoch::loss)
                .containsExactly(0.9, 0.7, 0.5, 0.4);
        assertThat(record.getWorker()).isEqualTo("trainer-b");
    }

    @Test
    void aRunTrainedAgainFromEpochZeroReplacesItsEpochsInPlace() {
        ExperimentHistory history = new ExperimentHistory();
        history.apply(Running.of(ID, MLP, "cpu()", "trainer-a"));
        history.apply(epoch(0, 0.9));
        history.apply(epoch(1, 0.7));
        history.apply(Running.of(ID, MLP, "cpu()", "trainer-b")); // no checkpoint: epochs 0 and 1 again
        history.apply(epoch(0, 0.85));

        ExperimentRecord record = history.find(ID).orElseThrow();
        assertThat(record.getEpochMetrics()).extracting(ExperimentRecord.Epoch::loss).containsExactly(0.85, 0.7);
    }
}
