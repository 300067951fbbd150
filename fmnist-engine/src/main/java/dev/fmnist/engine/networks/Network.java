package dev.fmnist.engine.networks;

import ai.djl.nn.SequentialBlock;
import dev.fmnist.contract.networks.NetworkSpec;
import java.util.List;

/**
 * A network ready to be initialised and trained or loaded.
 *
 * @param spec what it is
 * @param block the DJL block, not yet initialised
 * @param layers what each child of the block computes, in its order
 * @param parameterCount trainable parameters, equal to PyTorch's for the same network
 * @param forwardMacsPerImage multiply-accumulates of one image's forward pass (conv and dense layers)
 * @param convolutions the convolutions in order, with the input each sees
 */
public record Network(NetworkSpec spec, SequentialBlock block, List<Layer> layers, long parameterCount, long forwardMacsPerImage,
        List<ConvLayer> convolutions) {

    public Network {
        layers = List.copyOf(layers);
        convolutions = List.copyOf(convolutions);
    }

    /**
     * Floating-point operations to train on one image: the forward pass plus a backward pass of about
     * twice its cost (gradients with respect to inputs and to weights), 2 flops per multiply-accumulate.
     */
    public double trainingFlopsPerImage() {
        return 3.0 * 2.0 * forwardMacsPerImage;
    }
}
