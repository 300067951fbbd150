package dev.fmnist.engine.networks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * The layout every network's input is handed over in: NCHW by shape, channels-last (NHWC) in memory.
 *
 * <p>Why: libtorch runs a float convolution through oneDNN, in the memory format its input suggests.
 * Given plain NCHW, each convolution reorders its input into oneDNN's blocked layout and its output
 * back, forward and backward; for BetterNet's first convolution that reorder of a 1000x40x28x28 output
 * costs as much as the convolution itself. Given channels-last strides, oneDNN runs its NHWC kernels
 * on the tensors as they are, and ReLU, max pooling and batch norm keep the format, so the activations
 * stay channels-last to the flatten before the dense layers. The values are the same either way; only
 * the strides differ.
 *
 * <p>With one channel NCHW and NHWC are the same bytes, so this is a view (no copy): [N, 1, H, W] read
 * as [N, H, W, 1] and permuted back to NCHW order.
 */
public final class ChannelsLast {

    private ChannelsLast() {}

    /** {@code images} [N, 1, H, W] as a channels-last view, in the same manager. */
    public static NDArray images(NDArray images) {
        Shape shape = images.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 1) {
            throw new IllegalArgumentException("images: expected [N, 1, H, W], got " + shape);
        }
        return images.reshape(shape.get(0), shape.get(2), shape.get(3), 1).transpose(0, 3, 1, 2);
    }
}
