package dev.fmnist.engine.networks;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Initialization;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a feed-forward network layer by layer while tracking the activation shape, so each layer's
 * fan-in (for PyTorch's initialisation), the parameter count and the multiply-accumulates per image
 * all come from the one description that builds the DJL block.
 */
final class LayerStack {

    /** Gamma, beta, running mean and running variance. */
    private static final int BATCH_NORM_VALUES_PER_CHANNEL = 4;
    /** DJL's and PyTorch's default, stated so the exported forms use the same. */
    private static final float BATCH_NORM_EPSILON = 1e-5f;

    private final SequentialBlock block = new SequentialBlock();
    private final Initialization initialization;
    private final float dropout;
    private boolean hidden;
    private long channels;
    private long height;
    private long width;
    private boolean flat;
    private long parameters;
    private long macsPerImage;
    private final List<ConvLayer> convolutions = new ArrayList<>();
    private final List<Layer> layers = new ArrayList<>();

    /**
     * Starts from an input of {@code channels x height x width} per image; {@code dropout} is the share
     * of features dropped on the way into each dense layer that follows a hidden layer (0 for none).
     */
    LayerStack(long channels, long height, long width, Initialization initialization, double dropout) {
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout: must be in [0, 1), got " + dropout);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.initialization = initialization;
        this.dropout = (float) dropout;
    }

    /** Square convolution, stride 1, with bias. */
    LayerStack conv(int filters, int kernel, int padding) {
        requireSpatial("conv");
        long fanIn = channels * kernel * kernel;
        Conv2d conv = Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(padding, padding))
                .build();
        initialise(conv, fanIn);
        add(conv, new Layer.Conv(padding));
        ConvLayer layer = new ConvLayer(Math.toIntExact(channels), Math.toIntExact(height), Math.toIntExact(width),
                filters, kernel, padding);
        convolutions.add(layer);
        height = layer.outputHeight();
        width = layer.outputWidth();
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("kernel " + kernel + " leaves no output");
        }
        channels = filters;
        hidden = true;
        parameters += fanIn * filters + filters;
        macsPerImage += fanIn * filters * height * width;
        return this;
    }

    /**
     * Batch normalisation over the channels (or features, after flatten): a scale and a shift per
     * channel, plus the running mean and variance that evaluation uses, which DJL counts as parameters.
     */
    LayerStack batchNorm() {
        BatchNorm norm = BatchNorm.builder().optEpsilon(BATCH_NORM_EPSILON).build();
        add(norm, new Layer.BatchNorm(BATCH_NORM_EPSILON));
        parameters += BATCH_NORM_VALUES_PER_CHANNEL * channels;
        return this;
    }

    LayerStack relu() {
        add(Activation.reluBlock(), new Layer.Relu());
        return this;
    }

    /** Max pooling with a square window and the same stride; a partial window at the edge is dropped. */
    LayerStack maxPool(int size) {
        requireSpatial("maxPool");
        add(Pool.maxPool2dBlock(new Shape(size, size), new Shape(size, size)), new Layer.MaxPool(size));
        height /= size;
        width /= size;
        return this;
    }

    /** Flattens all but the batch dimension, channel-major as torch.flatten(x, 1). */
    LayerStack flatten() {
        add(Blocks.batchFlattenBlock(), new Layer.Flatten());
        channels = features();
        height = 1;
        width = 1;
        flat = true;
        return this;
    }

    LayerStack dense(int units) {
        if (!flat) {
            throw new IllegalStateException("dense before flatten");
        }
        long fanIn = channels;
        if (dropout > 0 && hidden) { // never on the pixels themselves
            add(Dropout.builder().optRate(dropout).build(), new Layer.Dropout());
        }
        Linear linear = Linear.builder().setUnits(units).build();
        initialise(linear, fanIn);
        add(linear, new Layer.Dense());
        channels = units;
        hidden = true;
        parameters += fanIn * units + units;
        macsPerImage += fanIn * units;
        return this;
    }

    /** Features per image at this point of the stack. */
    long features() {
        return channels * height * width;
    }

    Network build(NetworkSpec spec) {
        return new Network(spec, block, layers, parameters, macsPerImage, convolutions);
    }

    private void add(Block child, Layer layer) {
        block.add(child);
        layers.add(layer);
    }

    private void requireSpatial(String layer) {
        if (flat) {
            throw new IllegalStateException(layer + " after flatten");
        }
    }

    private void initialise(Block layer, long fanIn) {
        switch (initialization) {
            case PYTORCH -> {
                Initializer uniform = new UniformInitializer((float) (1.0 / Math.sqrt(fanIn)));
                layer.setInitializer(uniform, Parameter.Type.WEIGHT);
                layer.setInitializer(uniform, Parameter.Type.BIAS);
            }
            case XAVIER -> {
                layer.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
                layer.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
            }
        }
    }
}
