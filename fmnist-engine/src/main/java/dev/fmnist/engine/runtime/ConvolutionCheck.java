package dev.fmnist.engine.runtime;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.networks.ConvLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Checks the float32 CPU convolution kernels this process runs (oneDNN's, at whatever ISA it picked) against
 * a float64 reference: forward, backward data, backward weights and the bias gradient, for one layer at
 * one minibatch, in both memory layouts, twice, on random data.
 *
 * <p>Why: libtorch computes float32 convolutions on the CPU with oneDNN, whose kernels are chosen by ISA
 * (AVX, AVX2, AVX-512) and layout; float64 is not a oneDNN type, so the reference runs ATen's own
 * im2col-and-GEMM convolution, an independent implementation. A wrong kernel shows as a large relative
 * error or NaN, a non-deterministic one as two float32 passes that differ. This is the check behind
 * {@code bin/trainer conv-check} and the engine's regression test.
 */
public final class ConvolutionCheck {

    /**
     * Largest error allowed, relative to the largest magnitude of the reference tensor. float32 rounding
     * over the longest sums here (a weight gradient over 1000 x 28 x 28 positions) stays below 1e-5;
     * a wrong kernel is off by order 1.
     */
    public static final double TOLERANCE = 1e-4;

    /** The memory layout the input is handed over in. */
    public enum Layout { NCHW, CHANNELS_LAST }

    /** One quantity compared. */
    public enum Pass { FORWARD, BACKWARD_DATA, BACKWARD_WEIGHTS, BACKWARD_BIAS }

    /**
     * One comparison: {@code relativeError} is max |float32 - float64| / max |float64| (NaN when either
     * holds NaN); {@code repeatable} whether a second float32 pass gave the same bits.
     */
    public record Finding(ConvLayer layer, int batch, Layout layout, Pass pass, double relativeError,
            boolean repeatable) {

        public boolean passed() {
            return relativeError <= TOLERANCE && repeatable; // false for NaN
        }
    }

    private ConvolutionCheck() {}

    /**
     * Every pass of {@code layer} at minibatch {@code batch}, in both layouts, on data drawn from {@code seed},
     * with {@code engine}'s native library.
     */
    public static List<Finding> check(ComputeEngine engine, ConvLayer layer, int batch, long seed) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch: must be at least 1, got " + batch);
        }
        Problem problem = Problem.draw(layer, batch, new SplittableRandom(seed));
        List<Finding> findings = new ArrayList<>();
        // on the CPU whatever the build: these are oneDNN's kernels (a GPU's cuDNN may round to TF32 by design)
        ComputeEngine cpu = engine.onCpu();
        try (NDManager manager = cpu.newManager()) {
            NDArray[] reference = problem.passes(cpu, manager, DataType.FLOAT64, Layout.NCHW);
            for (Layout layout : Layout.values()) {
                NDArray[] first = problem.passes(cpu, manager, DataType.FLOAT32, layout);
                NDArray[] second = problem.passes(cpu, manager, DataType.FLOAT32, layout);
                for (Pass pass : Pass.values()) {
                    int i = pass.ordinal();
                    findings.add(new Finding(layer, batch, layout, pass, relativeError(first[i], reference[i]),
                            first[i].contentEquals(second[i])));
                }
            }
        }
        return findings;
    }

    /** max |actual - reference| / max |reference|, in float64; NaN if either holds NaN. */
    static double relativeError(NDArray actual, NDArray reference) {
        NDArray exact = reference.toType(DataType.FLOAT64, false);
        double scale = exact.abs().max().getDouble();
        double error = actual.toType(DataType.FLOAT64, false).sub(exact).abs().max().getDouble();
        return scale == 0 ? error : error / scale;
    }

    /** One convolution's inputs, drawn once and handed to every pass in the type and layout it asks. */
    private record Problem(ConvLayer layer, Shape inputShape, double[] input, Shape weightShape, double[] weight,
            double[] bias, Shape outputShape, double[] outputGradient) {

        static Problem draw(ConvLayer layer, int batch, SplittableRandom random) {
            Shape inputShape = new Shape(batch, layer.inChannels(), layer.height(), layer.width());
            Shape weightShape = new Shape(layer.filters(), layer.inChannels(), layer.kernel(), layer.kernel());
            Shape outputShape = new Shape(batch, layer.filters(), layer.outputHeight(), layer.outputWidth());
            double fanIn = (double) layer.inChannels() * layer.kernel() * layer.kernel();
            return new Problem(layer, inputShape, uniform(random, inputShape.size(), 1.0), weightShape,
                    uniform(random, weightShape.size(), 1.0 / Math.sqrt(fanIn)), uniform(random, layer.filters(), 0.1),
                    outputShape, uniform(random, outputShape.size(), 1.0));
        }

        /** Output, input gradient, weight gradient and bias gradient, computed in {@code type}. */
        NDArray[] passes(ComputeEngine engine, NDManager manager, DataType type, Layout layout) {
            NDArray nchw = manager.create(input, inputShape).toType(type, false);
            NDArray x = layout == Layout.CHANNELS_LAST ? ChannelsLast.images(nchw) : nchw;
            NDArray w = manager.create(weight, weightShape).toType(type, false);
            NDArray b = manager.create(bias).toType(type, false);
            NDArray dy = manager.create(outputGradient, outputShape).toType(type, false);
            x.setRequiresGradient(true);
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector collector = engine.newGradientCollector()) {
                Shape padding = new Shape(layer.padding(), layer.padding());
                y = Conv2d.conv2d(x, w, b, new Shape(1, 1), padding, new Shape(1, 1)).singletonOrThrow();
                collector.backward(y.mul(dy).sum()); // so dL/dy = dy
            }
            return new NDArray[] {y, x.getGradient(), w.getGradient(), b.getGradient()};
        }
    }

    private static double[] uniform(SplittableRandom random, long count, double bound) {
        double[] values = new double[Math.toIntExact(count)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble(-bound, bound);
        }
        return values;
    }
}
