package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.tracker.ParameterTracker;

/**
 * SGD with momentum and L2 weight decay: the update DJL's {@code Sgd} makes, and state a checkpoint
 * carries (the momentum, when there is one, and the update counts).
 */
final class ResumableSgd extends ResumableOptimizer {

    private final float momentum;

    ResumableSgd(ParameterTracker learningRate, float weightDecay, float momentum) {
        super(learningRate, weightDecay);
        this.momentum = momentum;
    }

    float momentum() {
        return momentum;
    }

    @Override
    int slotCount() {
        return momentum != 0f ? 1 : 0;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float weightDecay = getWeightDecay();
        float rate = learningRate(parameterId, updateCount(parameterId));
        NDList inputs = momentum != 0f ? new NDList(weight, grad, slots(parameterId, weight)[0])
                : new NDList(weight, grad);
        weight.getNDArrayInternal().sgdUpdate(inputs, new NDList(weight), rate, weightDecay, rescaleGrad, clipGrad,
                momentum, true);
    }
}
