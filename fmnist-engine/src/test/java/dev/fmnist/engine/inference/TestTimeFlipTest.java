package dev.fmnist.engine.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import java.time.Instant;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model trained with test-time flips is served as its run evaluated it: each image by the mean of its
 * own and its mirror image's probabilities, in both forward forms.
 */
class TestTimeFlipTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();
    private static final FashionMnist DATA = IdxFixtures.realData();
    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    /** One test image's worth of accuracy. */
    private static final double ONE_IMAGE = 1e-4;
    /** Float sums of the same values in another order. */
    private static final float SAME = 1e-6f;

    private static ModelArtefact flipped;
    private static float[] pixels;

    @BeforeAll
    static void train() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(2000)
                .optHorizontalFlip(true).optTestTimeFlip(true).build();
        flipped = ArtefactModels.of(new FashionMnistTrainer(ENGINE)
                .train(NetworkSpec.of(Architecture.SPEED_BN), hp, DATA, TrainingObserver.NONE), null, Instant.EPOCH);
        pixels = new float[DATA.test().images().length];
        Pixels.scale(DATA.test().images(), 0, pixels, 0, pixels.length);
    }

    @Test
    void eachImageIsAnsweredWithTheMeanOfItsOwnAndItsMirrorImagesProbabilities() {
        int count = 200;
        float[] mirrors = mirrored(pixels, count);
        try (InferenceModel withFlips = InferenceModel.load(flipped, ENGINE);
                InferenceModel plain = InferenceModel.load(withoutFlips(flipped), ENGINE)) {
            float[][] answered = withFlips.classify(pixels, count);
            float[][] own = plain.classify(pixels, count);
            float[][] mirror = plain.classify(mirrors, count);
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < FashionMnist.CLASSES; c++) {
                    assertThat(answered[i][c]).as("image %d class %d", i, c)
                            .isCloseTo((own[i][c] + mirror[i][c]) / 2, Offset.offset(SAME));
                }
            }
            assertThat(InferenceModel.maxDifference(own, mirror)).as("the plain model tells an image from its mirror")
                    .isGreaterThan(SAME);
            assertThat(InferenceModel.maxDifference(answered, withFlips.classify(mirrors, count)))
                    .as("so an image and its mirror get one answer").isLessThan(SAME);
        }
    }

    @Test
    void theRunsTestAccuracyIsTheServedModelsInBothForms() {
        int images = DATA.test().size();
        try (InferenceModel block = InferenceModel.load(flipped, ENGINE, ForwardForm.BLOCK);
                InferenceModel scripted = InferenceModel.load(flipped, ENGINE, ForwardForm.TORCHSCRIPT)) {
            assertThat(scripted.form()).isEqualTo(ForwardForm.TORCHSCRIPT);
            float[][] served = block.classify(pixels, images);
            assertThat(TestAccuracy.of(served, DATA.test())).isCloseTo(flipped.manifest().testAccuracy(),
                    Offset.offset(ONE_IMAGE));
            assertThat(InferenceModel.maxDifference(served, scripted.classify(pixels, images)))
                    .isLessThan(InferenceModel.FORM_TOLERANCE);
        }
    }

    /** The same parameters under a manifest whose recipe has no test-time flips. */
    private static ModelArtefact withoutFlips(ModelArtefact artefact) {
        ModelManifest m = artefact.manifest();
        HyperParameters hp = HyperParameters.builder().optAugmentation(m.hyperParameters().augmentation())
                .optTestTimeFlip(false).build();
        return ModelArtefact.of(new ModelManifest(m.formatVersion(), m.architecture(), m.k(), m.experimentId(), hp,
                m.trainImages(), m.epochs(), m.testAccuracy(), m.parameterCount(), m.device(), m.djlVersion(),
                m.pytorchVersion(), m.createdAt(), m.parametersSha256(), m.testPredicted()), artefact.parameters());
    }

    /** The first {@code count} images of {@code pixels}, each mirrored left to right. */
    private static float[] mirrored(float[] pixels, int count) {
        float[] mirrors = new float[count * FashionMnist.PIXELS];
        for (int i = 0; i < count; i++) {
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    int row = i * FashionMnist.PIXELS + y * SIDE;
                    mirrors[row + x] = pixels[row + SIDE - 1 - x];
                }
            }
        }
        return mirrors;
    }
}
