package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Short real training runs on subsets of the real data. */
class FashionMnistTrainerTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final FashionMnist DATA = IdxFixtures.realData();

    @Test
    void aShortBaselineRunLearnsWellAboveChance() {
        List<EpochMetrics> seen = new ArrayList<>();
        int[] batches = new int[1];
        HyperParameters hp = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(3000).build();

        TrainingResult result = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.BASELINE), hp, DATA,
                new TrainingObserver() {
                    @Override
                    public void onBatchEnd(int epoch, int batch, int batchesPerEpoch) {
                        batches[0]++;
                    }

                    @Override
                    public void onEpochEnd(EpochMetrics metrics) {
                        seen.add(metrics);
                    }
                });

        assertThat(seen).hasSize(2).isEqualTo(result.epochs());
        assertThat(batches[0]).isEqualTo(60);
        assertThat(result.testAccuracy()).as("10 classes: chance is 0.1").isGreaterThan(0.6);
        assertThat(seen.get(1).loss()).isLessThan(seen.get(0).loss());
        assertThat(seen.get(1).trainAccuracy()).isGreaterThan(0.6);
        assertThat(result.parameterCount()).isEqualTo(116_038);
        assertThat(result.trainImages()).isEqualTo(3000);
        assertThat(result.device()).isEqualTo(ENGINE.device().toString()); // where the engine it was given computes
        assertThat(seen.get(0).imagesPerSecond()).isPositive();
        assertThat(result.parameters()).isNotEmpty();
    }

    /**
     * Also the guard for the fault once reported with oneDNN's AVX2/AVX-512 kernels (a second conv model
     * in the same JVM differing from the first and reaching NaN): these tests run with the fast kernels,
     * on memory glibc poisons (MALLOC_PERTURB_ in the engine's surefire settings), so a kernel that read
     * memory it had not written, or raced, would make the runs differ.
     */
    @Test
    void theSameSeedGivesTheSameRunEvenAfterOtherRunsInTheSameJvm() {
        HyperParameters hp = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(1000)
                .optSeed(42).optTrainAccuracy(TrainAccuracyMode.RUNNING).build();
        NetworkSpec conv = NetworkSpec.of(Architecture.BASELINE);

        TrainingResult first = new FashionMnistTrainer(ENGINE).train(conv, hp, DATA, TrainingObserver.NONE);
        new FashionMnistTrainer(ENGINE).train(NetworkSpec.of("compare", 7), hp, DATA, TrainingObserver.NONE);
        TrainingResult second = new FashionMnistTrainer(ENGINE).train(conv, hp, DATA, TrainingObserver.NONE);
        TrainingResult otherSeed = new FashionMnistTrainer(ENGINE).train(conv, hp.toBuilder().optSeed(43).build(), DATA,
                TrainingObserver.NONE);

        assertThat(second.parameters()).isEqualTo(first.parameters());
        assertThat(second.epochs().get(0).loss()).isEqualTo(first.epochs().get(0).loss());
        assertThat(otherSeed.parameters()).isNotEqualTo(first.parameters());
    }

    /**
     * DJL's optimisers detached their state from every manager (Optimizer.withDefaultState), so nothing
     * freed it: each run leaked two copies of its weights. Ours keep it on the weights' manager, and the
     * run's scope closes it too: none of it may be live after the run.
     */
    @Test
    void aRunClosesItsOptimisersState() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(500)
                .optTrainAccuracy(TrainAccuracyMode.NONE).build();
        List<ResumableOptimizer> used = new ArrayList<>();
        new FashionMnistTrainer(ENGINE, (h, updates) -> {
            ResumableOptimizer optimizer = Optimizers.of(h, updates);
            used.add(optimizer);
            return optimizer;
        }).train(NetworkSpec.of(Architecture.BASELINE), hp, DATA, TrainingObserver.NONE);

        List<NDArray> state = used.get(0).stateArrays();
        assertThat(state).as("Adam's two moments of BaselineNet's 8 parameters").hasSize(16);
        assertThat(state).allSatisfy(array -> assertThat(array.isReleased()).as("freed with the run").isTrue());
    }

    @Test
    void cancellationStopsBetweenBatches() {
        HyperParameters hp = HyperParameters.builder().optEpochs(3).optBatchSize(100).optTrainLimit(1000).build();
        int[] batches = new int[1];

        assertThatThrownBy(() -> new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                new TrainingObserver() {
                    @Override
                    public void onBatchEnd(int epoch, int batch, int batchesPerEpoch) {
                        batches[0]++;
                    }

                    @Override
                    public boolean cancelRequested() {
                        return batches[0] == 13;
                    }
                }))
                .isInstanceOf(TrainingCancelledException.class)
                .hasMessage("cancelled in epoch 1 before batch 3");
        assertThat(batches[0]).isEqualTo(13);
    }

    @Test
    void aNonFiniteLossEndsTheRunWithTheReason() {
        HyperParameters hp = HyperParameters.builder().optLearningRate(10).build();
        FashionMnistTrainer.requireFinite(2.3f, 0, 0, hp);
        assertThatThrownBy(() -> FashionMnistTrainer.requireFinite(Float.NaN, 3, 17, hp))
                .isInstanceOf(TrainingFailedException.class)
                .hasMessage("loss became NaN in epoch 3, batch 17 (learning rate 10.0 too high?)");
        assertThatThrownBy(() -> FashionMnistTrainer.requireFinite(Float.POSITIVE_INFINITY, 0, 1, hp))
                .hasMessageContaining("loss became Infinity");
    }

    @Test
    void aBatchLargerThanTheTrainingSetIsRefused() {
        HyperParameters hp = HyperParameters.builder().optBatchSize(5000).build();
        FashionMnist small = DATA.limitTrain(1000);
        assertThatThrownBy(() -> new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, small,
                TrainingObserver.NONE))
                .hasMessage("batchSize: must not exceed the training set (1000 images), got 5000");
    }

    @Test
    void hyperParametersNameTheFieldAndTheRule() {
        assertThatThrownBy(() -> HyperParameters.builder().optEpochs(0).build())
                .hasMessage("epochs: must be between 1 and 1000, got 0");
        assertThatThrownBy(() -> HyperParameters.builder().optEpochs(1001).build())
                .hasMessage("epochs: must be between 1 and 1000, got 1001");
        assertThatThrownBy(() -> HyperParameters.builder().optLearningRate(-0.1).build())
                .hasMessage("learningRate: must be in (0, 10.0], got -0.1");
        assertThatThrownBy(() -> HyperParameters.builder().optBatchSize(0).build())
                .hasMessage("batchSize: must be between 1 and 60000, got 0");
        assertThatThrownBy(() -> HyperParameters.builder().optTrainLimit(500).build())
                .hasMessage("batchSize: must not exceed trainLimit (500), got 1000");
        assertThatThrownBy(() -> OptimizerKind.fromId("rmsprop"))
                .hasMessage("optimizer: unknown 'rmsprop', expected one of adam, sgd");
        assertThat(HyperParameters.defaults()).satisfies(d -> {
            assertThat(d.epochs()).isEqualTo(10);
            assertThat(d.batchSize()).isEqualTo(1000);
            assertThat(d.learningRate()).isEqualTo(0.001);
            assertThat(d.optimizer()).isEqualTo(OptimizerKind.ADAM);
            assertThat(d.shuffle()).isTrue();
        });
    }

    @Test
    void aValidationSplitIsHeldOutAndKeepBestPublishesTheBestValidationEpochsWeights() {
        HyperParameters hp = HyperParameters.builder().optEpochs(4).optBatchSize(100).optTrainLimit(3000)
                .optLearningRate(0.02).optSeed(5).optValidationSplit(500).optKeepBest(KeepBest.VAL).build();

        TrainingResult result = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE);

        assertThat(result.trainImages()).as("the held-out images do not train").isEqualTo(2500);
        assertThat(result.epochs()).hasSize(4).allSatisfy(e -> {
            assertThat(e.valAccuracy()).isBetween(0.1, 1.0);
            assertThat(e.valLoss()).isPositive();
        });
        int best = 0;
        for (int e = 1; e < 4; e++) {
            if (result.epochs().get(e).valAccuracy() > result.epochs().get(best).valAccuracy()) {
                best = e; // ties keep the earlier epoch
            }
        }
        assertThat(result.publishedEpoch()).isEqualTo(best);
        assertThat(result.testAccuracy()).isEqualTo(result.epochs().get(best).testAccuracy());
        // the published parameters are that epoch's: classified again, they score its test accuracy
        ModelArtefact artefact = ArtefactModels.of(result, "keep-best", Instant.now());
        assertThat(servedAccuracy(artefact)).isCloseTo(result.epochs().get(best).testAccuracy(), within(0.002));
        assertThat(artefact.manifest().testAccuracy()).isEqualTo(result.epochs().get(best).testAccuracy());

        TrainingResult again = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE);
        assertThat(again.epochs().get(0).valAccuracy()).as("the same images held out from the same seed")
                .isEqualTo(result.epochs().get(0).valAccuracy());
    }

    @Test
    void earlyStoppingEndsARunThatNoLongerImprovesAndWithoutASplitNothingIsValidated() {
        HyperParameters hp = HyperParameters.builder().optEpochs(6).optBatchSize(100).optTrainLimit(2000)
                .optValidationSplit(500).optEarlyStopping(new EarlyStopping(2, 0.5)).build();

        TrainingResult stopped = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE);

        // epoch 1 sets the best; no later epoch gains 0.5, so the run ends after 2 more
        assertThat(stopped.epochs()).hasSize(3);
        assertThat(stopped.stoppedEarly()).isTrue();
        assertThat(stopped.publishedEpoch()).as("keepBest last: the last epoch run").isEqualTo(2);

        TrainingResult plain = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP),
                HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(1000).build(), DATA,
                TrainingObserver.NONE);
        assertThat(plain.epochs().get(0).valAccuracy()).isNaN();
        assertThat(plain.trainImages()).isEqualTo(1000);
    }

    @Test
    void betterBnWithDropoutAndAugmentationTrainsAndServesItsOwnAccuracy() {
        HyperParameters plain = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(2000)
                .optLearningRate(0.003).optSeed(3).build();
        HyperParameters regularised = plain.toBuilder().optDropout(0.3)
                .optAugmentation(new Augmentation(2, true)).build();
        NetworkSpec betterBn = NetworkSpec.of(Architecture.BETTER_BN);

        TrainingResult result = new FashionMnistTrainer(ENGINE).train(betterBn, regularised, DATA,
                TrainingObserver.NONE);
        TrainingResult without = new FashionMnistTrainer(ENGINE).train(betterBn, plain, DATA, TrainingObserver.NONE);

        assertThat(result.testAccuracy()).as("10 classes: chance is 0.1").isGreaterThan(0.5);
        assertThat(result.epochs().get(0).loss()).as("other batches, other dropped features: another loss")
                .isNotEqualTo(without.epochs().get(0).loss());
        // the running statistics travel in the artefact: served, it scores what the trainer measured
        ModelArtefact artefact = ArtefactModels.of(result, "better-bn", Instant.now());
        assertThat(artefact.manifest().hyperParameters()).isEqualTo(regularised);
        assertThat(servedAccuracy(artefact)).isCloseTo(result.testAccuracy(), within(0.002));
    }

    /** The test accuracy of an artefact classified the way the inference service does it. */
    private static double servedAccuracy(ModelArtefact artefact) {
        try (InferenceModel model = InferenceModel.load(artefact, ENGINE)) {
            int n = DATA.test().size();
            float[] pixels = new float[n * FashionMnist.PIXELS];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = Pixels.scale(DATA.test().images()[i]);
            }
            float[][] probabilities = model.classify(pixels, n);
            int correct = 0;
            for (int i = 0; i < n; i++) {
                int argmax = 0;
                for (int c = 1; c < FashionMnist.CLASSES; c++) {
                    argmax = probabilities[i][c] > probabilities[i][argmax] ? c : argmax;
                }
                correct += argmax == DATA.test().labels()[i] ? 1 : 0;
            }
            return (double) correct / n;
        }
    }
}
