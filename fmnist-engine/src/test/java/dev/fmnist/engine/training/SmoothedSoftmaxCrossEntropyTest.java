package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import org.junit.jupiter.api.Test;

/** Label smoothing: DJL's loss when it is 0, the smoothed targets' cross-entropy otherwise, and it trains. */
class SmoothedSoftmaxCrossEntropyTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    @Test
    void zeroIsDjlsSoftmaxLossAndOtherwiseTheSmoothedTargetsCrossEntropy() {
        try (NDManager manager = ENGINE.newManager()) {
            float[] raw = {2f, -1f, 0.5f, 0f, 1f, 3f, -2f, 0.1f, 0.2f, -0.3f};
            NDArray logits = manager.create(raw, new Shape(1, 10));
            NDArray label = manager.create(new long[] {5});
            float djl = Loss.softmaxCrossEntropyLoss().evaluate(new NDList(label), new NDList(logits)).getFloat();
            float none = new SmoothedSoftmaxCrossEntropy(0f).evaluate(new NDList(label), new NDList(logits)).getFloat();
            assertThat(none).isCloseTo(djl, within(1e-5f));

            double max = 3;
            double sumExp = 0;
            for (float v : raw) {
                sumExp += Math.exp(v - max);
            }
            double logZ = max + Math.log(sumExp);
            double expected = 0;
            for (int c = 0; c < 10; c++) {
                double target = (c == 5 ? 0.9 : 0) + 0.1 / 10;
                expected -= target * (raw[c] - logZ);
            }
            float smoothed = new SmoothedSoftmaxCrossEntropy(0.1f).evaluate(new NDList(label), new NDList(logits))
                    .getFloat();
            assertThat((double) smoothed).isCloseTo(expected, within(1e-5));
            assertThat(smoothed).isGreaterThan(none); // a confident right answer costs more with smoothing
        }
    }

    @Test
    void aRunWithLabelSmoothingTrains() {
        HyperParameters hp = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(2000)
                .optLabelSmoothing(0.1).build();
        TrainingResult result = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp,
                IdxFixtures.realData(), TrainingObserver.NONE);
        assertThat(result.testAccuracy()).isGreaterThan(0.5);
        assertThat(result.epochs().get(1).loss()).isLessThan(result.epochs().get(0).loss());
    }
}
