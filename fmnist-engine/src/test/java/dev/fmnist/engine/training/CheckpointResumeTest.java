package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import dev.fmnist.engine.training.TrainingCheckpoint.NamedArray;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run interrupted at a checkpoint and resumed from the checkpoint's bytes ends as the uninterrupted
 * run ends: bit-identical weights and the same per-epoch losses and accuracies, at an epoch's end and
 * mid-epoch, with each optimiser, schedule and source of randomness the recipes have.
 */
class CheckpointResumeTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();
    private static final FashionMnist DATA = IdxFixtures.realData();
    private static final NetworkSpec MLP = NetworkSpec.of(Architecture.MLP);
    private static final HyperParameters SHORT = HyperParameters.builder().optEpochs(3).optBatchSize(100)
            .optTrainLimit(2000).optSeed(5).build();

    /** Keeps the checkpoints a run hands over; asks for one mid-epoch at one position; cancels after one. */
    private static final class Recorder implements TrainingObserver {
        private final int dueEpoch;
        private final int dueBatch;
        private final List<TrainingCheckpoint> taken = new ArrayList<>();
        private TrainingCheckpoint cancelAfter;
        private TrainingCheckpoint resumedFrom;
        private int batchesTrained;

        /** Cancels the run after its checkpoint at ({@code epoch}, {@code batch}); batch 0 is an epoch's end. */
        Recorder(int epoch, int batch) {
            this.dueEpoch = epoch;
            this.dueBatch = batch;
        }

        static Recorder passive() {
            return new Recorder(-1, -1);
        }

        @Override
        public boolean checkpointDue(int epoch, int batchesDone) {
            return epoch == dueEpoch && batchesDone == dueBatch;
        }

        @Override
        public void onCheckpoint(TrainingCheckpoint checkpoint) {
            taken.add(checkpoint);
            if (checkpoint.epoch() == dueEpoch && checkpoint.batchesDone() == dueBatch) {
                cancelAfter = checkpoint;
            }
        }

        @Override
        public void onBatchEnd(int epoch, int batch, int batchesPerEpoch) {
            batchesTrained++;
        }

        @Override
        public void onResume(TrainingCheckpoint from) {
            resumedFrom = from;
        }

        @Override
        public boolean cancelRequested() {
            return cancelAfter != null;
        }
    }

    private static TrainingResult train(NetworkSpec spec, HyperParameters hp, TrainingObserver observer,
            TrainingCheckpoint from) {
        return new FashionMnistTrainer(ENGINE).train(spec, hp, DATA, observer, from);
    }

    /** What must come out the same: every epoch's figures but the timings and memory. */
    private static List<List<Double>> figures(TrainingResult result) {
        return result.epochs().stream().map(m -> List.of((double) m.epoch(), m.loss(), m.trainAccuracy(),
                m.testAccuracy(), m.valAccuracy(), m.valLoss())).toList();
    }

    /** Interrupts a run after its checkpoint at each position, resumes from the bytes, and compares. */
    private static TrainingResult assertResumesExactly(NetworkSpec spec, HyperParameters hp, int[]... positions) {
        Recorder whole = Recorder.passive();
        TrainingResult uninterrupted = train(spec, hp, whole, null);
        assertThat(whole.taken).as("one checkpoint at each epoch's end")
                .extracting(TrainingCheckpoint::epoch, TrainingCheckpoint::batchesDone)
                .hasSize(uninterrupted.epochs().size());
        for (int[] at : positions) {
            Recorder interrupted = new Recorder(at[0], at[1]);
            assertThatThrownBy(() -> train(spec, hp, interrupted, null)).isInstanceOf(TrainingCancelledException.class);
            TrainingCheckpoint checkpoint = interrupted.cancelAfter;
            assertThat(checkpoint.epoch()).isEqualTo(at[0]);
            assertThat(checkpoint.batchesDone()).isEqualTo(at[1]);
            assertThat(checkpoint.epochs()).hasSize(at[0]);

            Recorder resumedObserver = Recorder.passive();
            TrainingResult resumed = train(spec, hp, resumedObserver, TrainingCheckpoint.fromBytes(checkpoint.toBytes()));

            String where = spec.label() + " resumed at epoch " + at[0] + ", batch " + at[1];
            assertThat(resumedObserver.resumedFrom).as(where).isNotNull();
            assertThat(resumed.parameters()).as(where + ": bit-identical weights").isEqualTo(uninterrupted.parameters());
            assertThat(figures(resumed)).as(where).isEqualTo(figures(uninterrupted));
            assertThat(resumed.publishedEpoch()).as(where).isEqualTo(uninterrupted.publishedEpoch());
            assertThat(resumed.stopReason()).as(where).isEqualTo(uninterrupted.stopReason());
            assertThat(resumedObserver.batchesTrained + interrupted.batchesTrained).as(where + ": no batch trained twice")
                    .isEqualTo(whole.batchesTrained);
        }
        return uninterrupted;
    }

    @Test
    void adamWithOneCycleResumesAfterAnEpochAndMidEpoch() {
        assertResumesExactly(MLP, SHORT.toBuilder().optLrSchedule(LearningRateSchedule.ONE_CYCLE)
                .optTrainAccuracy(TrainAccuracyMode.RUNNING).build(), new int[] {1, 0}, new int[] {1, 7});
    }

    @Test
    void aConvNetWithSgdMomentumAndStepDropsResumesMidEpoch() {
        // 60 updates, the rate drops after 30 and 45: resumed at 43, the second drop is still ahead
        assertResumesExactly(NetworkSpec.of(Architecture.BASELINE), SHORT.toBuilder().optOptimizer(OptimizerKind.SGD)
                .optLearningRate(0.05).optMomentum(0.9).optWeightDecay(0.0001).optLrSchedule(LearningRateSchedule.STEP)
                .build(), new int[] {2, 3});
    }

    @Test
    void adamWWithDropoutResumesMidEpoch() {
        HyperParameters hp = SHORT.toBuilder().optEpochs(2).optWeightDecay(0.05).optDropout(0.3).build();
        TrainingResult withDropout = assertResumesExactly(MLP, hp, new int[] {1, 5});
        TrainingResult without = train(MLP, hp.toBuilder().optDropout(0).build(), TrainingObserver.NONE, null);
        assertThat(withDropout.parameters()).as("dropout is on").isNotEqualTo(without.parameters());
    }

    @Test
    void augmentationKeepBestAndEarlyStoppingResumeMidEpochAndWhereTheRunStopped() {
        HyperParameters hp = SHORT.toBuilder().optEpochs(6).optLearningRate(0.005).optValidationSplit(500)
                .optKeepBest(KeepBest.VAL)
                .optEarlyStopping(new EarlyStopping(1, 0.0)).optAugmentation(new Augmentation(2, true, true)).build();
        TrainingResult whole = assertResumesExactly(MLP, hp, new int[] {2, 4});
        assertThat(whole.stoppedEarly()).as("this seed's run stops early").isTrue();
        assertThat(whole.publishedEpoch()).as("and publishes an earlier epoch's weights")
                .isLessThan(whole.epochs().size() - 1);

        // the checkpoint at the end of the epoch where early stopping ended the run: resumed, it stops there
        int stoppedAt = whole.epochs().size();
        Recorder interrupted = new Recorder(stoppedAt, 0);
        TrainingResult again = train(MLP, hp, interrupted, null);
        assertThat(again.parameters()).isEqualTo(whole.parameters());
        Recorder resumedObserver = Recorder.passive();
        TrainingResult resumed = train(MLP, hp, resumedObserver,
                TrainingCheckpoint.fromBytes(interrupted.cancelAfter.toBytes()));
        assertThat(resumedObserver.batchesTrained).isZero();
        assertThat(resumed.stopReason()).isEqualTo(whole.stopReason());
        assertThat(resumed.parameters()).isEqualTo(whole.parameters());
    }

    @Test
    void batchNormWithDropoutResumesMidEpochAndItsCheckpointSizeIsKnown() {
        HyperParameters hp = SHORT.toBuilder().optEpochs(2).optTrainLimit(1000).optLearningRate(0.003).optDropout(0.3)
                .build();
        assertResumesExactly(NetworkSpec.of(Architecture.BETTER_BN), hp, new int[] {1, 4});
    }

    @Test
    void aCheckpointOfAnotherRecipeOrPositionIsRefusedByName() {
        HyperParameters hp = SHORT.toBuilder().optEpochs(1).optTrainLimit(500).build();
        Recorder first = Recorder.passive();
        train(MLP, hp, first, null);
        TrainingCheckpoint end = first.taken.get(0);

        assertThatThrownBy(() -> train(MLP, hp.toBuilder().optSeed(6).build(), TrainingObserver.NONE, end))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("resumeFrom.fingerprint:");
        assertThatThrownBy(() -> train(NetworkSpec.of(Architecture.BASELINE), hp, TrainingObserver.NONE, end))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("resumeFrom.fingerprint:");

        TrainingCheckpoint pastTheEpoch = new TrainingCheckpoint(end.fingerprint(), 0, 5, 1, 0, 0, List.of(),
                end.weights(), end.optimizer(), end.kept());
        assertThatThrownBy(() -> train(MLP, hp, TrainingObserver.NONE, pastTheEpoch))
                .hasMessageStartingWith("resumeFrom.batchesDone: 5, an epoch of this run has 5 batches");

        List<NamedArray> renamed = new ArrayList<>(end.weights());
        renamed.set(0, new NamedArray("not_a_parameter", renamed.get(0).values()));
        TrainingCheckpoint otherNames = new TrainingCheckpoint(end.fingerprint(), 0, 2, 1, 0, 0, List.of(), renamed,
                end.optimizer(), end.kept());
        assertThatThrownBy(() -> train(MLP, hp, TrainingObserver.NONE, otherNames))
                .hasMessageStartingWith("weights[0]: not_a_parameter where the network has");

        List<NamedArray> shorter = new ArrayList<>(end.weights());
        shorter.set(1, new NamedArray(shorter.get(1).name(), new float[3]));
        TrainingCheckpoint otherSizes = new TrainingCheckpoint(end.fingerprint(), 0, 2, 1, 0, 0, List.of(), shorter,
                end.optimizer(), end.kept());
        List<String> heard = new ArrayList<>();
        TrainingObserver listening = new TrainingObserver() {
            @Override
            public void onStart(String device, int batchesPerEpoch) {
                heard.add("start");
            }
        };
        assertThatThrownBy(() -> train(MLP, hp, listening, otherSizes))
                .isInstanceOf(CheckpointMismatchException.class)
                .hasMessageStartingWith("weights." + shorter.get(1).name() + ": 3 values");
        assertThat(heard).as("a checkpoint that does not fit is refused before the run is announced").isEmpty();
    }

    @Test
    void theCheckpointAfterTheLastEpochResumesToTheSameResultWithoutTraining() {
        HyperParameters hp = SHORT.toBuilder().optEpochs(2).optTrainLimit(500).build();
        Recorder whole = Recorder.passive();
        TrainingResult uninterrupted = train(MLP, hp, whole, null);
        TrainingCheckpoint last = whole.taken.get(whole.taken.size() - 1);
        assertThat(last.epoch()).isEqualTo(2);

        Recorder resumedObserver = Recorder.passive();
        TrainingResult resumed = train(MLP, hp, resumedObserver, TrainingCheckpoint.fromBytes(last.toBytes()));
        assertThat(resumedObserver.batchesTrained).isZero();
        assertThat(resumed.parameters()).isEqualTo(uninterrupted.parameters());
        assertThat(resumed.epochs()).isEqualTo(uninterrupted.epochs());
        List<EpochMetrics> finished = last.epochs();
        assertThat(finished).isEqualTo(uninterrupted.epochs());
    }
}
