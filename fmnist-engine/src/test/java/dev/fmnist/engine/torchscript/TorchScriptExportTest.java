package dev.fmnist.engine.torchscript;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.inference.TestAccuracy;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The TorchScript form of every registry network answers what its block answers, on the 10,000 test images. */
class TorchScriptExportTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();
    private static final FashionMnist DATA = IdxFixtures.realData();
    private static final int BATCH = 1000;
    private static final double DROPOUT = 0.3;
    /** The networks exported with dropout layers in them (the others without). */
    private static final Set<Architecture> WITH_DROPOUT = EnumSet.of(Architecture.BETTER, Architecture.BETTER_BN,
            Architecture.SPEED_BN, Architecture.DEEP_BN);
    /** One test image's worth of accuracy. */
    private static final double ONE_IMAGE = 1e-4;

    @Test
    void everyRegistryNetworkGivesItsBlocksProbabilitiesOnTheTestImages() throws Exception {
        float[] pixels = testPixels();
        for (NetworkSpec spec : NetworkSpec.registry()) {
            // dropout layers hold no weights and pass values through outside training: the export skips them
            Network network = Networks.build(spec, Initialization.PYTORCH, WITH_DROPOUT.contains(spec.architecture()) ? DROPOUT : 0);
            try (Model block = ENGINE.newModel(spec.label()); Model scripted = ENGINE.newModel(spec.label())) {
                block.setBlock(network.block());
                network.block().initialize(block.getNDManager(), DataType.FLOAT32,
                        new Shape(1, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE));
                trainedStatistics(network);
                scripted.load(new ByteArrayInputStream(TorchScriptExport.archive(network, network.block(), 1,
                        FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE)));

                double difference = 0;
                for (int from = 0; from < DATA.test().size(); from += BATCH) {
                    difference = Math.max(difference, InferenceModel.maxDifference(
                            probabilities(block, pixels, from, true), probabilities(scripted, pixels, from, false)));
                }
                assertThat(difference).as(spec.label()).isLessThan(InferenceModel.FORM_TOLERANCE);
            }
        }
    }

    @Test
    void aTrainedArtefactServedAsTorchScriptKeepsItsTestAccuracy() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(2000).build();
        ModelArtefact artefact = ArtefactModels.of(new FashionMnistTrainer(ENGINE)
                .train(NetworkSpec.of(Architecture.BETTER_BN), hp, DATA, TrainingObserver.NONE), null, Instant.EPOCH);
        float[] pixels = testPixels();
        try (InferenceModel block = InferenceModel.load(artefact, ENGINE, ForwardForm.BLOCK);
                InferenceModel scripted = InferenceModel.load(artefact, ENGINE, ForwardForm.TORCHSCRIPT)) {
            assertThat(scripted.form()).isEqualTo(ForwardForm.TORCHSCRIPT);
            float[][] expected = block.classify(pixels, DATA.test().size());
            float[][] actual = scripted.classify(pixels, DATA.test().size());
            assertThat(InferenceModel.maxDifference(expected, actual)).isLessThan(InferenceModel.FORM_TOLERANCE);
            assertThat(TestAccuracy.of(actual, DATA.test())).isCloseTo(artefact.manifest().testAccuracy(),
                    Offset.offset(ONE_IMAGE));
            assertThat(scripted.classify(pixels, 1)[0]).as("one image alone").containsExactly(actual[0],
                    Offset.offset((float) InferenceModel.FORM_TOLERANCE));
        }
    }

    @Test
    void theArchiveIsTorchJitSavesLayoutUnderOneFolderUncompressed() throws IOException {
        Network network = Networks.build(NetworkSpec.of(Architecture.BETTER_BN), Initialization.PYTORCH);
        try (Model block = ENGINE.newModel("better-bn")) {
            block.setBlock(network.block());
            network.block().initialize(block.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 28, 28));
            byte[] archive = TorchScriptExport.archive(network, network.block(), 1, 28, 28);
            List<String> names = new ArrayList<>();
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
                for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                    names.add(entry.getName());
                    assertThat(entry.getMethod()).as(entry.getName()).isEqualTo(ZipEntry.STORED);
                }
            }
            // conv, bn, conv, bn, dense, bn, dense: 2 + 4 + 2 + 4 + 2 + 4 + 2 tensors, one record each
            assertThat(names).startsWith("fmnist/data.pkl", "fmnist/code/__torch__.py", "fmnist/constants.pkl",
                    "fmnist/version").hasSize(4 + 20).allMatch(n -> n.startsWith("fmnist/"));
        }
    }

    /** Batch norm's running statistics and affine values as training leaves them, not 0 and 1. */
    private static void trainedStatistics(Network network) {
        for (Pair<String, Parameter> parameter : network.block().getParameters()) {
            NDArray array = parameter.getValue().getArray();
            String name = parameter.getKey();
            if (name.endsWith("runningVar")) {
                array.addi(array.getManager().randomUniform(-0.5f, 1.5f, array.getShape()));
            } else if (name.endsWith("runningMean") || name.endsWith("gamma") || name.endsWith("beta")) {
                array.addi(array.getManager().randomUniform(-0.3f, 0.3f, array.getShape()));
            }
        }
    }

    private static float[][] probabilities(Model model, float[] pixels, int from, boolean block) {
        ENGINE.disableGradOnThisThread();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray images = manager.create(Arrays.copyOfRange(pixels, from * FashionMnist.PIXELS,
                    (from + BATCH) * FashionMnist.PIXELS), new Shape(BATCH, 1, FashionMnist.IMAGE_SIDE,
                    FashionMnist.IMAGE_SIDE));
            NDArray input = block ? ChannelsLast.images(images) : images;
            NDArray output = model.getBlock().forward(new ParameterStore(manager, false), new NDList(input), false)
                    .singletonOrThrow();
            float[] flat = (block ? output.softmax(1) : output).toFloatArray();
            float[][] rows = new float[BATCH][];
            for (int i = 0; i < BATCH; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * FashionMnist.CLASSES, (i + 1) * FashionMnist.CLASSES);
            }
            return rows;
        }
    }

    private static float[] testPixels() {
        float[] pixels = new float[DATA.test().images().length];
        Pixels.scale(DATA.test().images(), 0, pixels, 0, pixels.length);
        return pixels;
    }
}
