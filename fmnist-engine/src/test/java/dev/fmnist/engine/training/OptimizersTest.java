package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The schedules give the learning rates they promise, and a modern recipe trains. */
class OptimizersTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final double LR = 0.01;
    private static final int STEPS = 100;

    private static Tracker schedule(LearningRateSchedule schedule) {
        return Optimizers.learningRate(HyperParameters.builder().optLearningRate(LR).optLrSchedule(schedule).build(),
                STEPS);
    }

    @Test
    void eachScheduleGivesTheRatesItPromises() {
        Tracker constant = schedule(LearningRateSchedule.CONSTANT);
        assertThat(constant.getNewValue(0)).isCloseTo((float) LR, within(1e-7f));
        assertThat(constant.getNewValue(STEPS)).isCloseTo((float) LR, within(1e-7f));

        Tracker step = schedule(LearningRateSchedule.STEP);
        assertThat(step.getNewValue(10)).isCloseTo((float) LR, within(1e-7f));
        assertThat(step.getNewValue(60)).isCloseTo((float) (LR * 0.1), within(1e-7f));
        assertThat(step.getNewValue(90)).isCloseTo((float) (LR * 0.01), within(1e-8f));

        Tracker cosine = schedule(LearningRateSchedule.COSINE);
        assertThat(cosine.getNewValue(0)).isCloseTo((float) LR, within(1e-7f));
        assertThat(cosine.getNewValue(STEPS / 2)).isCloseTo((float) (LR / 2), within(1e-6f));
        assertThat(cosine.getNewValue(STEPS)).isCloseTo(0f, within(1e-7f));

        Tracker oneCycle = schedule(LearningRateSchedule.ONE_CYCLE);
        assertThat(oneCycle.getNewValue(0)).isCloseTo((float) (LR / 25), within(1e-6f));
        assertThat(oneCycle.getNewValue(15)).isBetween((float) (LR / 25), (float) LR);
        assertThat(oneCycle.getNewValue(30)).isCloseTo((float) LR, within(1e-6f));
        assertThat(oneCycle.getNewValue(65)).isLessThan((float) LR).isGreaterThan((float) (LR / 10_000));
        assertThat(oneCycle.getNewValue(STEPS)).isCloseTo((float) (LR / 10_000), within(1e-7f));
    }

    /**
     * Ours make DJL's updates: the same seed gives bit-identical weights with DJL's Adam, AdamW and SGD
     * (the optimisers every run used before checkpoints), with each schedule a drop or a warm-up in it.
     */
    @Test
    void oursGiveTheNumbersDjlsOptimisersGive() {
        HyperParameters base = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(1000)
                .optSeed(11).optTrainAccuracy(TrainAccuracyMode.NONE).build();
        List<HyperParameters> recipes = List.of(
                base.toBuilder().optLrSchedule(LearningRateSchedule.ONE_CYCLE).build(),
                base.toBuilder().optWeightDecay(0.05).optLrSchedule(LearningRateSchedule.COSINE).build(),
                base.toBuilder().optOptimizer(OptimizerKind.SGD).optLearningRate(0.05).optMomentum(0.9)
                        .optWeightDecay(0.0001).optLrSchedule(LearningRateSchedule.STEP).build(),
                base.toBuilder().optOptimizer(OptimizerKind.SGD).optLearningRate(0.1).optMomentum(0).build());
        FashionMnist data = IdxFixtures.realData();
        for (HyperParameters hp : recipes) {
            TrainingResult ours = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, data,
                    TrainingObserver.NONE);
            TrainingResult djls = new FashionMnistTrainer(ENGINE, OptimizersTest::djls).train(
                    NetworkSpec.of(Architecture.MLP), hp, data, TrainingObserver.NONE);
            assertThat(ours.parameters()).as(hp.optimizer() + " " + hp.lrSchedule()).isEqualTo(djls.parameters());
            assertThat(ours.epochs().get(1).loss()).isEqualTo(djls.epochs().get(1).loss());
        }
    }

    /** The optimisers as they were built from DJL's own before checkpoints. */
    private static Optimizer djls(HyperParameters hp, int totalUpdates) {
        Tracker rate = Optimizers.learningRate(hp, totalUpdates);
        float decay = (float) hp.weightDecay();
        return switch (hp.optimizer()) {
            case ADAM -> decay > 0 ? Optimizer.adamW().optLearningRateTracker(rate).optWeightDecays(decay).build()
                    : Optimizer.adam().optLearningRateTracker(rate).build();
            case SGD -> Optimizer.sgd().setLearningRateTracker(rate).optMomentum((float) hp.momentum())
                    .optWeightDecays(decay).build();
        };
    }

    @Test
    void weightDecayWithAdamIsAdamWAndAModernRecipeTrains() {
        HyperParameters seed = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(2000).build();
        HyperParameters modern = seed.toBuilder().optWeightDecay(0.05).optLrSchedule(LearningRateSchedule.ONE_CYCLE)
                .build();
        assertThat(Optimizers.of(seed, 40)).isInstanceOfSatisfying(ResumableAdam.class,
                adam -> assertThat(adam.decoupled()).isFalse());
        assertThat(Optimizers.of(modern, 40)).isInstanceOfSatisfying(ResumableAdam.class,
                adamW -> assertThat(adamW.decoupled()).as("AdamW").isTrue());

        FashionMnist data = IdxFixtures.realData();
        TrainingResult plain = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), seed, data,
                TrainingObserver.NONE);
        TrainingResult scheduled = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), modern, data,
                TrainingObserver.NONE);

        assertThat(scheduled.testAccuracy()).as("10 classes: chance is 0.1").isGreaterThan(0.5);
        assertThat(scheduled.epochs().get(1).loss()).isLessThan(scheduled.epochs().get(0).loss());
        assertThat(scheduled.parameters()).as("the recipe changes training").isNotEqualTo(plain.parameters());
    }
}
