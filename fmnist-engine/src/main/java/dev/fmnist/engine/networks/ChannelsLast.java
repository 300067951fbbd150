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
 * <p>With one channel, as every network's input has, NCHW and NHWC are the same bytes and this is a
 * view; with more it is one copy into NHWC order.
 */
public final class ChannelsLast {

    private ChannelsLast() {}

    /** {@code images} [N, C, H, W] as an array of the same shape with channels-last memory, in the same manager. */
    public static NDArray images(NDArray images) {
        Shape shape = images.getShape();
        if (shape.dimension() != 4) {
            throw new IllegalArgumentException("images: expected [N, C, H, W], got " + shape);
        }
        long n = shape.get(0);
        long c = shape.get(1);
        long h = shape.get(2);
        long w = shape.get(3);
        // flattening the NHWC-ordered view lays it out contiguously (free when c is 1); read back as NCHW
        NDArray nhwc = images.transpose(0, 2, 3, 1).reshape(n, h * w * c).reshape(n, h, w, c);
        return nhwc.transpose(0, 3, 1, 2);
    }
}
