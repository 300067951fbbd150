package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.tracker.ParameterTracker;

/**
 * Adam, or with {@code decoupled} AdamW (Loshchilov and Hutter's decoupled weight decay): the update
 * DJL's {@code Adam} and {@code AdamW} make, with their default betas and epsilon, and state a
 * checkpoint carries (the two moments and the update counts).
 */
final class ResumableAdam extends ResumableOptimizer {

    static final float BETA1 = 0.9f;
    static final float BETA2 = 0.999f;
    static final float EPSILON = 1e-8f;
    private static final int MOMENTS = 2;

    private final boolean decoupled;

    ResumableAdam(ParameterTracker learningRate, float weightDecay, boolean decoupled) {
        super(learningRate, weightDecay);
        this.decoupled = decoupled;
    }

    /** Whether the weight decay is AdamW's, decoupled from the gradient. */
    boolean decoupled() {
        return decoupled;
    }

    @Override
    int slotCount() {
        return MOMENTS;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = updateCount(parameterId);
        // the bias corrections in double from the float betas, as DJL computes them: the same bits
        double coef1 = 1.0 - Math.pow(BETA1, t);
        double coef2 = 1.0 - Math.pow(BETA2, t);
        float rate = learningRate(parameterId, t);
        float corrected = (float) (rate * Math.sqrt(coef2) / coef1);
        float weightDecay = getWeightDecay();
        if (!Float.isFinite(rate) || !Float.isFinite(corrected) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("learning rate (" + rate + ") or weight decay (" + weightDecay
                    + ") is not finite");
        }
        NDArray[] moments = slots(parameterId, weight);
        weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, moments[0], moments[1]), new NDList(weight),
                rate, corrected, weightDecay, rescaleGrad, clipGrad, BETA1, BETA2, EPSILON, true, decoupled);
    }
}
