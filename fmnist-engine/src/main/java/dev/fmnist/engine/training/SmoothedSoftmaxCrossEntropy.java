package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy against smoothed targets: the true class gets {@code 1 - e + e/K}, every
 * other class {@code e/K}. DJL's own softmax loss has no smoothing option; with {@code e = 0} this
 * is exactly that loss (tested), and the trainer uses DJL's then.
 */
final class SmoothedSoftmaxCrossEntropy extends Loss {

    private final float smoothing;

    SmoothedSoftmaxCrossEntropy(float smoothing) {
        super("SmoothedSoftmaxCrossEntropy");
        this.smoothing = smoothing;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        int classes = Math.toIntExact(logits.getShape().get(1));
        float off = smoothing / classes;
        // one-hot by comparison with 0..K-1: the PyTorch engine has no oneHot with on/off values
        NDArray label = labels.singletonOrThrow().toType(DataType.INT64, false).expandDims(1);
        NDArray classIndices = logits.getManager().arange(0, classes, 1, DataType.INT64).expandDims(0);
        NDArray target = classIndices.eq(label).toType(logits.getDataType(), false).mul(1 - smoothing).add(off);
        return target.mul(logits.logSoftmax(1)).sum(new int[] {1}).mean().neg();
    }
}
