package dev.fmnist.engine.training;

import ai.djl.training.tracker.Tracker;
import dev.fmnist.contract.training.HyperParameters;

/**
 * The optimiser and learning-rate schedule a recipe asks for: Adam (AdamW with a weight decay), SGD
 * with momentum (and L2), making DJL's updates with state a checkpoint carries, and DJL's trackers for
 * the schedules. Each tracker's value follows from the update count alone (the step tracker catches up
 * through its drops in order), so a resumed run's schedule is where the interrupted run's was.
 */
final class Optimizers {

    /** STEP: the factor at each drop, and where the drops fall (fractions of the run). */
    static final float STEP_FACTOR = 0.1f;
    static final double[] STEP_AT = {0.5, 0.75};
    /** ONE_CYCLE: the share of the run spent warming up, the start and the end as fractions of the rate. */
    static final double ONE_CYCLE_WARM_UP = 0.3;
    static final float ONE_CYCLE_START = 1f / 25;
    static final float ONE_CYCLE_END = 1f / 10_000;

    private Optimizers() {}

    static ResumableOptimizer of(HyperParameters hp, int totalUpdates) {
        Tracker rate = learningRate(hp, totalUpdates);
        float decay = (float) hp.weightDecay();
        return switch (hp.optimizer()) {
            case ADAM -> new ResumableAdam(rate, decay, decay > 0);
            case SGD -> new ResumableSgd(rate, decay, (float) hp.momentum());
        };
    }

    /** The learning rate at each optimiser step of a run of {@code totalUpdates} steps. */
    static Tracker learningRate(HyperParameters hp, int totalUpdates) {
        float base = (float) hp.learningRate();
        int updates = Math.max(1, totalUpdates);
        return switch (hp.lrSchedule()) {
            case CONSTANT -> Tracker.fixed(base);
            case STEP -> Tracker.multiFactor().setBaseValue(base).optFactor(STEP_FACTOR).setSteps(new int[] {
                Math.max(1, (int) (updates * STEP_AT[0])), Math.max(2, (int) (updates * STEP_AT[1]))}).build();
            case COSINE -> Tracker.cosine().setBaseValue(base).optFinalValue(0).setMaxUpdates(updates).build();
            case ONE_CYCLE -> {
                int warmUp = Math.max(1, (int) (updates * ONE_CYCLE_WARM_UP));
                // the warm-up hands its main tracker the steps counted from its own end
                yield Tracker.warmUp().optWarmUpSteps(warmUp).optWarmUpBeginValue(base * ONE_CYCLE_START)
                        .setMainTracker(Tracker.cosine().setBaseValue(base).optFinalValue(base * ONE_CYCLE_END)
                                .setMaxUpdates(Math.max(1, updates - warmUp)).build())
                        .build();
            }
        };
    }
}
