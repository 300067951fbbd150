package dev.fmnist.engine.networks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Test-time flips ({@code augmentation.testTimeFlip}): an image is classified by the mean of its own and
 * its mirror image's class probabilities. Garments are close to symmetric left to right, and a model
 * trained with mirrored images ({@code horizontalFlip}) errs differently on the two, so their mean errs
 * less. The run's evaluation and serving use the same two steps, so the accuracy a run reports is that
 * of the model as served.
 */
public final class TestTimeFlip {

    /** NCHW's width axis: reversing it mirrors each image left to right. */
    private static final int WIDTH_AXIS = 3;

    private TestTimeFlip() {}

    /** {@code images} [N, C, H, W] followed by their mirror images: [2N, C, H, W], for one forward pass. */
    public static NDArray withMirrors(NDArray images) {
        return images.concat(images.flip(WIDTH_AXIS));
    }

    /**
     * The mean of each image's and its mirror image's rows of {@code probabilities} [2N, classes], the
     * output of a pass over {@link #withMirrors}: [N, classes].
     */
    public static NDArray meanOfPairs(NDArray probabilities, long count) {
        return probabilities.get(new NDIndex("0:{}", count)).add(probabilities.get(new NDIndex("{}:", count))).div(2);
    }
}
