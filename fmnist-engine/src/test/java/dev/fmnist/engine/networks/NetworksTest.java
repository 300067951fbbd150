package dev.fmnist.engine.networks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetworksTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final Shape BATCH_OF_3 = new Shape(3, 1, 28, 28);

    /** Counts from PyTorch's sum(p.numel() for p in net.parameters()) on the seed's networks. */
    @ParameterizedTest
    @CsvSource({
        "mlp,,159010",
        "baseline,,116038",
        "compare,3,154438",
        "compare,4,115174",
        "compare,5,116038",
        "compare,6,83302",
        "compare,7,84550",
        "compare,8,58342",
        "better,,2342090",
        // BetterNet plus a scale, shift, running mean and variance for 40 + 80 + 800 channels
        "better-bn,,2345770",
        // 16 and 64 filters, 2,304 features into 256, with batch norm's four values per channel
        "speed-bn,,603434",
        // 160 + 64 + 9,280 + 256 + 73,856 + 512 (convs, batch norms); 1,152 x 256 + 256 + 1,024 + 2,570
        "deep-bn,,382890"
    })
    void parameterCountsAndOutputShapesMatchPyTorch(String architecture, Integer k, long expected) {
        NetworkSpec spec = NetworkSpec.of(architecture, k);
        Network network = Networks.build(spec, Initialization.PYTORCH);
        assertThat(network.parameterCount()).isEqualTo(expected);

        try (Model model = ENGINE.newModel("shape-check")) {
            model.setBlock(network.block());
            NDManager manager = model.getNDManager();
            network.block().initialize(manager, DataType.FLOAT32, BATCH_OF_3);
            long counted = 0;
            for (Pair<String, Parameter> p : network.block().getParameters()) {
                counted += p.getValue().getArray().size();
            }
            assertThat(counted).isEqualTo(expected);
            NDArray out = network.block()
                    .forward(new ParameterStore(manager, false), new NDList(manager.randomUniform(0, 1, BATCH_OF_3)), false)
                    .singletonOrThrow();
            assertThat(out.getShape()).isEqualTo(new Shape(3, 10));
        }
    }

    @Test
    void dropoutMakesTrainingOutputsStochasticAndEvaluationOutputsDeterministic() {
        Network network = Networks.build(NetworkSpec.of(Architecture.BETTER_BN), Initialization.PYTORCH, 0.5);
        try (Model model = ENGINE.newModel("dropout-check")) {
            model.setBlock(network.block());
            NDManager manager = model.getNDManager();
            network.block().initialize(manager, DataType.FLOAT32, BATCH_OF_3);
            NDArray images = manager.randomUniform(0, 1, BATCH_OF_3);
            NDArray[] training = new NDArray[2];
            NDArray[] evaluation = new NDArray[2];
            for (int i = 0; i < 2; i++) {
                training[i] = forward(network, manager, images, true);
            }
            for (int i = 0; i < 2; i++) { // after training passes: those move batch norm's running statistics
                evaluation[i] = forward(network, manager, images, false);
            }
            assertThat(training[0].contentEquals(training[1])).as("two training passes drop different features").isFalse();
            assertThat(evaluation[0].contentEquals(evaluation[1])).as("evaluation never drops").isTrue();

            Network without = Networks.build(NetworkSpec.of(Architecture.BETTER_BN), Initialization.PYTORCH);
            assertThat(without.block().getChildren().size()).as("dropout adds layers only when asked")
                    .isEqualTo(network.block().getChildren().size() - 2);
            assertThat(without.parameterCount()).as("and no parameters").isEqualTo(network.parameterCount());
        }
    }

    /**
     * Our networks max-pool before ReLU; the seed's ReLU before it. The seed's BetterNet, built here layer
     * for layer, saves a parameter file ours loads, and with those weights both give the same logits and
     * the same gradient for every parameter, to the bit, in both memory layouts.
     */
    @Test
    void poolingBeforeReluIsTheSeedsOrderBitForBitAndReadsItsParameterFiles() throws Exception {
        Network ours = Networks.build(NetworkSpec.of(Architecture.BETTER), Initialization.PYTORCH);
        SequentialBlock seed = new SequentialBlock()
                .add(seedConv(40, 1)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(seedConv(80, 0)).add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(800).build()).add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
        try (Model model = ENGINE.newModel("order-check")) {
            NDManager manager = model.getNDManager();
            seed.initialize(manager, DataType.FLOAT32, BATCH_OF_3);
            ours.block().initialize(manager, DataType.FLOAT32, BATCH_OF_3);
            ByteArrayOutputStream saved = new ByteArrayOutputStream();
            seed.saveParameters(new DataOutputStream(saved));
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved.toByteArray()));
            ours.block().loadParameters(manager, in);
            assertThat(in.available()).as("the seed's file read to its end").isZero();

            // inputs in [-1, 1] so that whole pooling windows are negative after the first convolution
            NDArray images = manager.randomUniform(-1, 1, new Shape(16, 1, 28, 28));
            NDArray outputGradient = manager.randomUniform(-1, 1, new Shape(16, 10));
            for (NDArray input : new NDArray[] {images, ChannelsLast.images(images)}) {
                List<NDArray> fromSeed = logitsAndGradients(seed, manager, input, outputGradient);
                List<NDArray> fromOurs = logitsAndGradients(ours.block(), manager, input, outputGradient);
                assertThat(fromOurs).hasSize(9);
                for (int i = 0; i < fromSeed.size(); i++) {
                    assertThat(fromOurs.get(i).contentEquals(fromSeed.get(i))).as("array %d", i).isTrue();
                }
            }
        }
    }

    private static Conv2d seedConv(int filters, int padding) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(padding, padding)).build();
    }

    /** The logits, then each parameter's gradient of sum(logits * outputGradient). */
    private static List<NDArray> logitsAndGradients(Block block, NDManager manager, NDArray images,
            NDArray outputGradient) {
        List<NDArray> result = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().getArray().setRequiresGradient(true); // loaded arrays come without
        }
        try (GradientCollector collector = ENGINE.newGradientCollector()) {
            NDArray logits = block.forward(new ParameterStore(manager, false), new NDList(images), true)
                    .singletonOrThrow();
            collector.backward(logits.mul(outputGradient).sum());
            result.add(logits);
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            result.add(p.getValue().getArray().getGradient().duplicate());
        }
        return result;
    }

    private static NDArray forward(Network network, NDManager manager, NDArray images, boolean training) {
        return network.block().forward(new ParameterStore(manager, false), new NDList(images), training)
                .singletonOrThrow();
    }

    @Test
    void pyTorchInitialisationDrawsFromPlusMinusOneOverRootFanIn() {
        Network network = Networks.build(NetworkSpec.of(Architecture.BETTER), Initialization.PYTORCH);
        try (Model model = ENGINE.newModel("init-check")) {
            model.setBlock(network.block());
            network.block().initialize(model.getNDManager(), DataType.FLOAT32, BATCH_OF_3);
            // fc1: fan_in 2880 for both its weight and its bias
            double bound = 1 / Math.sqrt(2880);
            for (Pair<String, Parameter> p : network.block().getParameters()) {
                NDArray values = p.getValue().getArray();
                if (values.getShape().equals(new Shape(800, 2880)) || values.getShape().equals(new Shape(800))) {
                    assertThat(values.abs().max().getFloat()).isLessThanOrEqualTo((float) bound)
                            .isGreaterThan((float) (0.99 * bound));
                    assertThat(Math.abs(values.mean().getFloat())).isLessThan((float) (0.1 * bound));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 9, 0, -1})
    void compareRefusesKernelSizesOutsideTheSeeds(int k) {
        assertThatThrownBy(() -> NetworkSpec.of("compare", k))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k: must be between 3 and 8")
                .hasMessageContaining("got " + k);
    }

    @Test
    void unknownArchitecturesListTheKnownOnes() {
        assertThatThrownBy(() -> NetworkSpec.of("resnet", null))
                .hasMessage("unknown architecture 'resnet', expected one of mlp, baseline, compare, better, better-bn, speed-bn, deep-bn");
    }

    @Test
    void kIsIgnoredWhereItDoesNotApplyAndDefaultsForCompare() {
        assertThat(NetworkSpec.of("better", 3).k()).isNull();
        assertThat(NetworkSpec.of("compare", null).k()).isEqualTo(5);
        assertThat(NetworkSpec.of("COMPARE", 3).label()).isEqualTo("compare(k=3)");
    }

    @Test
    void betterNetForwardCostIsCountedFromItsLayers() {
        // conv1 28*28*40*9 + conv2 12*12*80*360 + fc1 2880*800 + fc2 800*10
        assertThat(Networks.build(NetworkSpec.of(Architecture.BETTER), Initialization.PYTORCH).forwardMacsPerImage())
                .isEqualTo(282_240L + 4_147_200L + 2_304_000L + 8_000L);
    }
}
