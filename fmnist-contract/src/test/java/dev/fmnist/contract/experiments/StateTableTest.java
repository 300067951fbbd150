package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The fold every trainer and the CLI apply to the state topic: who holds an experiment, and when it ended. */
class StateTableTest {

    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");
    private static final String ID = "exp-1";

    private final StateTable table = new StateTable();

    private static ExperimentState queued() {
        return ExperimentState.of(ID).next(Queued.of(ID, Subject.NONE));
    }

    private boolean apply(ExperimentState state) {
        return table.apply(state);
    }

    private ExperimentState now() {
        return table.get(ID).orElseThrow();
    }

    @Test
    void ofTwoRacingClaimsTheFirstOnTheTopicHoldsAndTheSecondIsIgnored() {
        apply(queued());
        ExperimentState a = queued().claimedBy("a", 1, T0);
        ExperimentState b = queued().claimedBy("b", 1, T0.plusMillis(5));
        assertThat(apply(a)).isTrue();
        assertThat(apply(b)).isFalse();
        assertThat(now().worker()).isEqualTo("a");
        assertThat(now().sameClaim(b)).isFalse();
    }

    @Test
    void aHigherAttemptCannotTakeOverWhileTheLeaseIsLiveButCanOnceItLapsed() {
        apply(queued().claimedBy("a", 1, T0));
        ExperimentState early = now().claimedBy("b", 2, T0.plus(ExperimentState.LEASE).minusSeconds(1));
        assertThat(apply(early)).isFalse();

        ExperimentState late = now().claimedBy("b", 2, T0.plus(ExperimentState.LEASE));
        assertThat(apply(late)).isTrue();
        assertThat(now().worker()).isEqualTo("b");

        // the first holder comes back after its lease lapsed: its beats and its end are not taken
        ExperimentState stale = queued().claimedBy("a", 1, T0.plus(ExperimentState.LEASE).plusSeconds(1));
        assertThat(apply(stale)).isFalse();
        assertThat(apply(stale.next(Succeeded.of(ID, Subject.NONE, null, null, null)))).isFalse();
        assertThat(now().isEnded()).isFalse();
    }

    @Test
    void theHoldersBeatsKeepItAndItsEndIsFinal() {
        ExperimentState held = queued().claimedBy("a", 1, T0);
        apply(held);
        ExperimentState beat = held.renewedAt(T0.plus(ExperimentState.LEASE).plusSeconds(5));
        assertThat(apply(beat)).isTrue();
        assertThat(apply(now().claimedBy("b", 2, T0.plus(ExperimentState.LEASE).plusSeconds(6)))).isFalse();

        ExperimentState ended = beat.next(Succeeded.of(ID, Subject.NONE, null, null, null));
        assertThat(apply(ended)).isTrue();
        assertThat(now().status()).isEqualTo(Type.SUCCEEDED);
        assertThat(now().heartbeatAt()).as("an end lets go of the lease").isNull();
        assertThat(apply(ended.claimedBy("b", 2, T0.plusSeconds(600)))).isFalse();
        assertThat(apply(ended.next(Failed.of(ID, Subject.NONE, "diverged")))).isFalse();
        assertThat(now().status()).isEqualTo(Type.SUCCEEDED);
    }

    @Test
    void afterCompactionTheEndRecordStillEndsAnExperimentWhoseLastRecordIsALateLosersClaim() {
        ExperimentState ended = queued().claimedBy("a", 1, T0).next(Succeeded.of(ID, Subject.NONE, null, null, null));
        // all compaction leaves: the end under its own key, and a loser's claim written after the end under the id
        ExperimentState lateClaim = queued().claimedBy("b", 1, T0.plusSeconds(1));
        StateTable fresh = new StateTable();
        fresh.apply(StateTable.endKey(ID), ended.toJson());
        assertThat(fresh.apply(ID, lateClaim.toJson())).isFalse();
        assertThat(fresh.get(ID).orElseThrow().status()).isEqualTo(Type.SUCCEEDED);

        StateTable otherOrder = new StateTable();
        otherOrder.apply(ID, lateClaim.toJson());
        assertThat(otherOrder.apply(StateTable.endKey(ID), ended.toJson())).isTrue();
        assertThat(otherOrder.get(ID).orElseThrow().status()).isEqualTo(Type.SUCCEEDED);

        assertThatThrownBy(() -> fresh.apply(StateTable.endKey(ID), lateClaim.toJson()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an end");
    }

    @Test
    void aQueuedNoteOnlyIntroducesAnExperimentNotYetKnown() {
        apply(queued().claimedBy("a", 1, T0));
        assertThat(apply(queued())).isFalse();
        assertThat(now().worker()).isEqualTo("a");
    }

    @Test
    void aFannedOutSweepHasNoLeaseSoTheTrainerEndingItsLastChildCanClaimItAtOnce() {
        ExperimentState sweep = queued().claimedBy("a", 1, T0).fannedOutNow();
        apply(sweep);
        assertThat(now().isFannedOut()).isTrue();
        assertThat(now().leaseLiveAt(T0)).isFalse();
        assertThat(apply(now().claimedBy("b", 2, T0.plusSeconds(1)))).isTrue();
        assertThat(now().worker()).isEqualTo("b");
    }

    @Test
    void aTombstoneForgetsTheExperimentAndARecordUnderAnotherKeyIsRefusedByName() {
        apply(queued());
        assertThatThrownBy(() -> table.apply("exp-2", queued().toJson()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a state of exp-1 under the key exp-2");
        for (String hostile : new String[] {"[]", "null", "{}", "{\"experimentId\":\"exp-1\",\"worker\":\"w\"}",
                "{\"experimentId\":\"exp-1\",\"worker\":\"w\",\"attempt\":1,\"heartbeatAt\":\"soon\"}"}) {
            assertThatThrownBy(() -> table.apply(ID, hostile.getBytes(StandardCharsets.UTF_8))).as(hostile)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a valid ExperimentState");
        }
        assertThat(table.get(ID).orElseThrow().status()).as("nothing hostile was taken").isEqualTo(Type.QUEUED);
        table.apply(ID, (byte[]) null);
        assertThat(table.get(ID)).isEmpty();
    }

    @Test
    void aStateSurvivesItsJsonAndItsFoldKeepsTheBestAccuracyAndTheProgress() {
        ExperimentState state = queued().claimedBy("a", 1, T0)
                .next(Epoch.of(ID, Subject.NONE, 0, new EventMetrics(0.5, null, 0.80, 1.0, 10.0)))
                .next(Epoch.of(ID, Subject.NONE, 1, new EventMetrics(0.4, null, 0.78, 1.0, 10.0)))
                .next(Progress.of(ID, Subject.NONE, 2, 5, 10, 123.0));
        ExperimentState read = ExperimentState.parse(state.toJson());
        assertThat(read).isEqualTo(state);
        assertThat(read.epochsDone()).isEqualTo(2);
        assertThat(read.bestTestAccuracy()).isEqualTo(0.80);
        assertThat(read.batch()).isEqualTo(5);
    }

    @Test
    void theArtefactsAccuracyIsTheLastEpochsNotTheBestEpochs() {
        EventMetrics best = new EventMetrics(0.3, null, 0.9058, 1.0, 10.0);
        EventMetrics last = new EventMetrics(0.2, null, 0.9020, 1.0, 10.0);
        ExperimentState running = queued().claimedBy("a", 1, T0)
                .next(Epoch.of(ID, Subject.NONE, 8, best))
                .next(Epoch.of(ID, Subject.NONE, 9, last));
        assertThat(running.artefactTestAccuracy()).as("nothing published yet").isNull();
        ExperimentState ended = running.next(Succeeded.of(ID, Subject.NONE, "7daa286411a7", last, null));
        assertThat(ended.bestTestAccuracy()).isEqualTo(0.9058);
        assertThat(ended.artefactTestAccuracy()).isEqualTo(0.9020);
        assertThat(new String(ended.toJson(), StandardCharsets.UTF_8))
                .as("derived, not a field of the record").doesNotContain("artefactTestAccuracy");
    }
}
