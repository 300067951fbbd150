package dev.fmnist.engine.networks;

/**
 * What one child of a network's block computes, in the block's order: the description other forms of
 * the same network (the TorchScript module serving exports) are written from. Only what the block's
 * parameters do not already say is held here.
 */
public sealed interface Layer {

    /** Square convolution, stride 1, with bias: weight [out, in, k, k] and bias [out]. */
    record Conv(int padding) implements Layer {}

    /** Batch normalisation over dimension 1: gamma, beta, running mean, running variance. */
    record BatchNorm(float epsilon) implements Layer {}

    /** Max pooling with a square window and the same stride. */
    record MaxPool(int size) implements Layer {}

    record Relu() implements Layer {}

    /** All but the batch dimension into one, channel-major. */
    record Flatten() implements Layer {}

    /** Fully connected, with bias: weight [out, in] and bias [out]. */
    record Dense() implements Layer {}

    /** Dropout while training; outside training the values pass through. */
    record Dropout() implements Layer {}
}
