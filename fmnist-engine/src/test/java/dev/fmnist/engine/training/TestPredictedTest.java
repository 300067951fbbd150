package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The test set's predicted classes that a run counts for its artefact (the manifest's {@code testPredicted}, which live
 * drift is measured against): counted in the test pass that measured the published weights, so they agree with its
 * accuracy, with the test labels and with what the served model predicts.
 */
class TestPredictedTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final FashionMnist DATA = IdxFixtures.realData();

    @Test
    void thePublishedEpochsCountsAgreeWithItsAccuracyTheLabelsAndTheServedModel() {
        // keepBest val: the published epoch need not be the last, and its counts must be its own
        HyperParameters hp = HyperParameters.builder().optEpochs(3).optBatchSize(100).optTrainLimit(2000)
                .optLearningRate(0.02).optSeed(11).optValidationSplit(500).optKeepBest(KeepBest.VAL).build();

        TrainingResult result = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE);

        int n = DATA.test().size();
        int[][] confusion = result.testConfusion();
        int[] predicted = result.testPredicted();
        assertThat(predicted).hasSize(FashionMnist.CLASSES);
        assertThat(sum(predicted)).as("every test image predicted once").isEqualTo(n);
        int correct = 0;
        int[] perLabel = new int[FashionMnist.CLASSES];
        for (int label = 0; label < FashionMnist.CLASSES; label++) {
            correct += confusion[label][label];
            perLabel[label] = sum(confusion[label]);
        }
        assertThat(correct).as("the diagonal is the published epoch's test accuracy")
                .isEqualTo((int) Math.round(result.testAccuracy() * n));
        assertThat(perLabel).as("each row is one true class of the test set").isEqualTo(labelCounts(DATA.test()));

        // the served model's argmax over the same images: the same counts, up to the few images whose two best
        // classes are within a float's rounding of each other (batched differently)
        ModelArtefact artefact = ArtefactModels.of(result, "counts", Instant.now());
        assertThat(artefact.manifest().testPredicted()).as("the manifest records them").isEqualTo(predicted);
        int[] served = servedPredicted(artefact);
        int moved = 0;
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            moved += Math.abs(served[c] - predicted[c]);
        }
        assertThat(moved).as("served %s, counted %s", Arrays.toString(served),
                Arrays.toString(predicted)).isLessThanOrEqualTo(n / 500);
    }

    @Test
    void aRunResumedAtItsEndCountsThePublishedWeightsAgain() {
        // a checkpoint carries no counts: a run resumed after its last epoch measures the published weights once more
        HyperParameters hp = HyperParameters.builder().optEpochs(2).optBatchSize(100).optTrainLimit(1000).optSeed(4)
                .build();
        List<TrainingCheckpoint> taken = new ArrayList<>();
        TrainingResult whole = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                new TrainingObserver() {
                    @Override
                    public void onCheckpoint(TrainingCheckpoint checkpoint) {
                        taken.add(checkpoint);
                    }
                });
        TrainingCheckpoint atEnd = taken.get(taken.size() - 1);
        assertThat(atEnd.epoch()).isEqualTo(2);

        TrainingResult resumed = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE, atEnd);

        assertThat(resumed.parameters()).isEqualTo(whole.parameters());
        assertThat(resumed.testConfusion()).isEqualTo(whole.testConfusion());
        assertThat(sum(resumed.testPredicted())).isEqualTo(DATA.test().size());
    }

    private static int[] servedPredicted(ModelArtefact artefact) {
        try (InferenceModel model = InferenceModel.load(artefact, ENGINE)) {
            int n = DATA.test().size();
            float[] pixels = new float[n * FashionMnist.PIXELS];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = Pixels.scale(DATA.test().images()[i]);
            }
            float[][] probabilities = model.classify(pixels, n);
            int[] counts = new int[FashionMnist.CLASSES];
            for (float[] p : probabilities) {
                int best = 0;
                for (int c = 1; c < p.length; c++) {
                    if (p[c] > p[best]) {
                        best = c;
                    }
                }
                counts[best]++;
            }
            return counts;
        }
    }

    private static int[] labelCounts(FashionMnist.Split split) {
        int[] counts = new int[FashionMnist.CLASSES];
        for (byte label : split.labels()) {
            counts[label]++;
        }
        return counts;
    }

    private static int sum(int[] values) {
        int total = 0;
        for (int v : values) {
            total += v;
        }
        return total;
    }
}
