package dev.fmnist.engine.networks;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Initialization;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The layers behind each name of the contract's architecture registry. Each seed name builds exactly
 * the seed notebook's network; the switch is exhaustive, so a name added to the registry does not compile
 * until it has layers here.
 *
 * <p>Every convolution stage max-pools before its ReLU, where the seed has ReLU then pool. The two
 * commute exactly, forward and backward (ReLU is monotonic, so the window's maximum and its position are
 * the same either way, and a window with no positive value passes no gradient either way), but ReLU then
 * reads and writes a quarter of the values. Neither holds weights, and their records in the parameter
 * file have the same length, so artefacts saved in either order load into both.
 */
public final class Networks {

    private Networks() {}

    /** A fresh, uninitialised network of {@code spec}, without dropout. */
    public static Network build(NetworkSpec spec, Initialization initialization) {
        return build(spec, initialization, 0);
    }

    /**
     * A fresh, uninitialised network of {@code spec}, dropping a {@code dropout} share of the features
     * into each dense layer that follows a hidden layer while it trains (outside training dropout passes
     * values through). Dropout holds no weights, but its layers are part of the saved parameter file,
     * so an artefact loads into the network built with its own dropout.
     */
    public static Network build(NetworkSpec spec, Initialization initialization, double dropout) {
        LayerStack input = new LayerStack(1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE, initialization, dropout);
        return layers(spec, input).build(spec);
    }

    /** Every distinct convolution the registry's networks run (CompareNet at each k), in registry order. */
    public static Set<ConvLayer> registryConvolutions() {
        Set<ConvLayer> convolutions = new LinkedHashSet<>();
        for (NetworkSpec spec : NetworkSpec.registry()) {
            convolutions.addAll(build(spec, Initialization.PYTORCH).convolutions());
        }
        return convolutions;
    }

    private static LayerStack layers(NetworkSpec spec, LayerStack input) {
        return switch (spec.architecture()) {
            case MLP -> input.flatten().dense(200).relu().dense(10);
            case BASELINE -> compare(input, NetworkSpec.BASELINE_KERNEL);
            case COMPARE -> compare(input, spec.k());
            // conv 40@3x3 pad 1, pool, conv 80@3x3, pool, dense 800, dense 10
            case BETTER -> input.conv(40, 3, 1).maxPool(2).relu()
                    .conv(80, 3, 0).maxPool(2).relu()
                    .flatten().dense(800).relu().dense(10);
            case BETTER_BN -> input.conv(40, 3, 1).batchNorm().maxPool(2).relu()
                    .conv(80, 3, 0).batchNorm().maxPool(2).relu()
                    .flatten().dense(800).batchNorm().relu().dense(10);
            // conv 16@3x3 pad 1, pool, conv 64@3x3, pool, dense 256, dense 10, batch norm after each hidden
            // layer; the convs' after the pool, on a quarter of the values (the arithmetic is the convs',
            // but batch norm and pooling passes over the largest activations took half the step)
            case SPEED_BN -> input.conv(16, 3, 1).maxPool(2).batchNorm().relu()
                    .conv(64, 3, 0).maxPool(2).batchNorm().relu()
                    .flatten().dense(256).batchNorm().relu().dense(10);
            // speed-bn's order with a third conv: 28 -> 14 -> 7 -> 3 pixels a side
            case DEEP_BN -> input.conv(16, 3, 1).maxPool(2).batchNorm().relu()
                    .conv(64, 3, 1).maxPool(2).batchNorm().relu()
                    .conv(128, 3, 1).maxPool(2).batchNorm().relu()
                    .flatten().dense(256).batchNorm().relu().dense(10);
        };
    }

    /**
     * CompareNet(k): conv 8@5x5, pool, conv 12@kxk with padding 2, pool, dense 256, dense 10. The
     * padding-2 second conv gives 17-k pixels a side, pooled to floor((17-k)/2).
     */
    private static LayerStack compare(LayerStack input, int k) {
        return input.conv(8, 5, 0).maxPool(2).relu()
                .conv(12, k, 2).maxPool(2).relu()
                .flatten().dense(256).relu().dense(10);
    }
}
