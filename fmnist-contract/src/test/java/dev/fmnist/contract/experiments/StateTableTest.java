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
    void aHigherAttemptTakesOverInTopicOrderWhateverInstantsEitherClaimCarries() {
        // a lease "until 2099" written by a clock far ahead holds nothing in the table's eyes
        apply(queued().claimedBy("a", 1, Instant.parse("2099-01-01T00:00:00Z")));
        ExperimentState takeOver = now().claimedBy("b", 2, T0.minusSeconds(600)); // a clock far behind
        assertThat(apply(takeOver)).isTrue();
        assertThat(now().worker()).isEqualTo("b");

        // the first record of an attempt wins: a second trainer writing attempt 2 too lost the race
        assertThat(apply(queued().claimedBy("c", 2, T0.plusSeconds(1)))).isFalse();
        assertThat(now().worker()).isEqualTo("b");

        // the first holder comes back after it was taken over: its beats are not taken, its end is forged
        ExperimentState stale = queued().claimedBy("a", 1, T0.plusSeconds(30));
        assertThat(apply(stale)).isFalse();
        assertThatThrownBy(() -> apply(stale.next(Succeeded.of(ID, Subject.NONE, null, null, null))))
                .isInstanceOf(StateTable.RefusedException.class)
                .satisfies(e -> assertThat(((StateTable.RefusedException) e).reason())
                        .isEqualTo(StateTable.Refusal.FOREIGN_END))
                .hasMessageContaining("by a attempt 1, which does not hold it (b attempt 2 does)");
        assertThat(now().isEnded()).isFalse();
        assertThat(now().isHeld()).isTrue();
    }

    @Test
    void anEndIsTakenOnlyFromTheCurrentClaimOrForAnExperimentNotKnownYet() {
        ExperimentState held = queued().claimedBy("a", 1, T0);
        apply(held);
        ExperimentState forgedUnderEndKey = queued().claimedBy("forger", 9, T0).next(Failed.of(ID, Subject.NONE, "x"));
        assertThat(refusal(() -> table.apply(StateTable.endKey(ID), forgedUnderEndKey.toJson())))
                .isEqualTo(StateTable.Refusal.FOREIGN_END);
        assertThat(refusal(() -> table.apply(ID, forgedUnderEndKey.toJson()))).isEqualTo(StateTable.Refusal.FOREIGN_END);
        ExperimentState noClaim = queued().next(Failed.of(ID, Subject.NONE, "x"));
        assertThat(refusal(() -> table.apply(ID, noClaim.toJson()))).isEqualTo(StateTable.Refusal.FOREIGN_END);
        assertThat(now()).isEqualTo(held);

        // a queued note is no claim either: an end needs one
        StateTable notes = new StateTable();
        notes.apply(queued());
        assertThat(refusal(() -> notes.apply(ID, forgedUnderEndKey.toJson()))).isEqualTo(StateTable.Refusal.FOREIGN_END);

        // an experiment never seen (compaction left its end only): its end is all there is to know
        StateTable fresh = new StateTable();
        assertThat(fresh.apply(StateTable.endKey(ID), forgedUnderEndKey.toJson())).isTrue();
        assertThat(fresh.get(ID).orElseThrow().status()).isEqualTo(Type.FAILED);

        // the holder's own claim copied with an end cannot be told from the holder's: taken (the holder
        // itself knows it did not write it, and says so on the events topic)
        assertThat(apply(held.next(Failed.of(ID, Subject.NONE, "copied")))).isTrue();
        assertThat(now().status()).isEqualTo(Type.FAILED);
    }

    private static StateTable.Refusal refusal(Runnable apply) {
        try {
            apply.run();
        } catch (StateTable.RefusedException e) {
            return e.reason();
        }
        throw new AssertionError("the record was not refused");
    }

    @Test
    void theHoldersBeatsKeepItAndItsEndIsFinal() {
        ExperimentState held = queued().claimedBy("a", 1, T0);
        apply(held);
        ExperimentState beat = held.renewedAt(T0.plus(ExperimentState.LEASE).plusSeconds(5));
        assertThat(apply(beat)).isTrue();
        assertThat(apply(held.renewedAt(T0.minusSeconds(5)))).as("a beat's instant is not compared").isTrue();

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

        // before compaction: the holder's claim, then its end under the end key, then under the id
        StateTable full = new StateTable();
        full.apply(ID, queued().claimedBy("a", 1, T0).toJson());
        assertThat(full.apply(StateTable.endKey(ID), ended.toJson())).isTrue();
        assertThat(full.apply(ID, ended.toJson())).as("the same end again").isFalse();
        assertThat(full.get(ID).orElseThrow().status()).isEqualTo(Type.SUCCEEDED);

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
        assertThat(now().isHeld()).isFalse();
        assertThat(apply(now().claimedBy("b", 2, T0.plusSeconds(1)))).isTrue();
        assertThat(now().worker()).isEqualTo("b");
    }

    @Test
    void aTombstoneForgetsTheExperimentAndARecordUnderAnotherKeyIsRefusedByName() {
        apply(queued());
        assertThatThrownBy(() -> table.apply("exp-2", queued().toJson()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a state of exp-1 under the key exp-2");
        assertThat(refusal(() -> table.apply("exp-2", queued().toJson()))).isEqualTo(StateTable.Refusal.WRONG_KEY);
        assertThat(refusal(() -> table.apply(StateTable.endKey(ID), queued().toJson())))
                .isEqualTo(StateTable.Refusal.WRONG_KEY);
        assertThat(refusal(() -> table.apply(null, queued().toJson()))).isEqualTo(StateTable.Refusal.UNREADABLE);
        assertThat(refusal(() -> table.apply(ID, "{".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo(StateTable.Refusal.UNREADABLE);
        assertThat(StateTable.Refusal.FOREIGN_END.label()).isEqualTo("foreign-end");
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
