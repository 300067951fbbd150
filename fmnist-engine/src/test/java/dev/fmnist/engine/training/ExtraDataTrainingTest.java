package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recipe's {@code extraData}: its images join the training split only, after the validation hold-out. */
class ExtraDataTrainingTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final FashionMnist DATA = IdxFixtures.realData();

    @TempDir
    Path dir;

    @Test
    void theExtraImagesTrainAndTheHeldOutAndTestSetsStayFashionMnists() throws IOException {
        // 200 training images the limited run never sees otherwise, as an export would write them
        FashionMnist.Split extra = DATA.train().pick(range(50_000, 200));
        ExtraDataset.write(dir, extra);
        HyperParameters plain = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(500)
                .optValidationSplit(100).optSeed(8).build();
        HyperParameters withExtra = plain.toBuilder().optExtraData(new ExtraData(dir.toString())).build();

        TrainingResult without = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), plain, DATA,
                TrainingObserver.NONE);
        TrainingResult with = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), withExtra, DATA,
                TrainingObserver.NONE);

        assertThat(without.trainImages()).isEqualTo(400);
        assertThat(with.trainImages()).as("the 400 left after the hold-out, then the 200 extra").isEqualTo(600);
        assertThat(with.hyperParameters().extraData()).isEqualTo(new ExtraData(dir.toString()));
        assertThat(with.parameters()).as("other data, other weights").isNotEqualTo(without.parameters());
        assertThat(Arrays.stream(with.testPredicted()).sum()).as("the test set is Fashion-MNIST's alone")
                .isEqualTo(DATA.test().size());
        assertThat(TrainingCheckpoint.fingerprint(NetworkSpec.of(Architecture.MLP), withExtra))
                .as("a checkpoint of the run without it does not resume this one")
                .isNotEqualTo(TrainingCheckpoint.fingerprint(NetworkSpec.of(Architecture.MLP), plain));
    }

    @Test
    void aFolderThatIsNoDatasetFailsTheRunBeforeAnythingTrains() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(500)
                .optExtraData(new ExtraData(dir.resolve("absent").toString())).build();
        boolean[] started = new boolean[1];

        assertThatThrownBy(() -> new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                new TrainingObserver() {
                    @Override
                    public void onStart(String device, int batchesPerEpoch) {
                        started[0] = true;
                    }
                })).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("extraData.path: ");
        assertThat(started[0]).isFalse();
    }

    private static int[] range(int from, int count) {
        int[] indices = new int[count];
        for (int i = 0; i < count; i++) {
            indices[i] = from + i;
        }
        return indices;
    }
}
