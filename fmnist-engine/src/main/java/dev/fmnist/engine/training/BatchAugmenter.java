package dev.fmnist.engine.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.engine.util.NativeArrays;
import java.nio.FloatBuffer;
import java.util.Random;

/**
 * Builds augmented training batches on the host from the split's bytes: each image shifted by a
 * random crop of its zero-padded self and mirrored with probability one half, as torchvision's
 * RandomCrop(28, padding) and RandomHorizontalFlip do. One pass over the bytes writes the batch's
 * floats, which then go to the device as one array. The draws come from the run's seed, so a run is
 * reproducible; they are fresh every epoch, so the network rarely sees the same image twice. With the
 * photo augmentation on, each cropped and flipped image then goes through {@link PhotoAugmenter}, its
 * draws following the crop's and flip's; off, the batches and draws are the ones made before it existed.
 */
final class BatchAugmenter {

    /** Mixed into the run's seed: the augmentation's draws are not the shuffle's. */
    static final long SALT = 0x6175676dL; // "augm"
    private static final int SIDE = FashionMnist.IMAGE_SIDE;

    private final FashionMnist.Split split;
    private final Augmentation augmentation;
    private final Random random;
    /** Null when the photo augmentation is off. */
    private final PhotoAugmenter photo;
    private final float[] cropped = new float[FashionMnist.PIXELS];
    private final float[] changed = new float[FashionMnist.PIXELS];

    BatchAugmenter(FashionMnist.Split split, Augmentation augmentation, long seed) {
        this.split = split;
        this.augmentation = augmentation;
        this.random = new Random(seed ^ SALT);
        this.photo = augmentation.photo() ? new PhotoAugmenter() : null;
    }

    /**
     * The images at {@code order[from..to)}, augmented, as float32 [n, 1, 28, 28] in [0, 1]; the array
     * belongs to {@code manager} (the caller closes it with its batch).
     */
    NDArray images(NDManager manager, long[] order, int from, int to) {
        int n = to - from;
        return NativeArrays.floats(manager, new Shape(n, 1, SIDE, SIDE), pixels -> write(pixels, order, from, n));
    }

    /**
     * Makes the draws that augmenting {@code images} images makes, without the images: a run resumed
     * from a checkpoint continues the stream where the interrupted run left it, as if it had never
     * stopped (the photo augmentation draws the same number of values, in the same order, for any image).
     */
    void skip(long images) {
        int padding = augmentation.cropPadding();
        for (long i = 0; i < images; i++) {
            nextShift(padding);
            nextShift(padding);
            nextFlip();
            if (photo != null) {
                PhotoAugmenter.draw(PhotoAugmenter.Box.FRAME, random);
            }
        }
    }

    private int nextShift(int padding) {
        return padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
    }

    private boolean nextFlip() {
        return augmentation.horizontalFlip() && random.nextBoolean();
    }

    private void write(FloatBuffer pixels, long[] order, int from, int n) {
        byte[] source = split.images();
        int padding = augmentation.cropPadding();
        for (int i = 0; i < n; i++) {
            int image = Math.toIntExact(order[from + i]) * FashionMnist.PIXELS;
            int dy = nextShift(padding);
            int dx = nextShift(padding);
            boolean flip = nextFlip();
            for (int y = 0; y < SIDE; y++) {
                int sy = y + dy;
                for (int x = 0; x < SIDE; x++) {
                    int sx = (flip ? SIDE - 1 - x : x) + dx;
                    boolean inside = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE;
                    cropped[y * SIDE + x] = inside ? Pixels.scale(source[image + sy * SIDE + sx]) : 0f;
                }
            }
            if (photo != null) {
                photo.apply(cropped, random, changed);
            }
            pixels.put(i * FashionMnist.PIXELS, photo != null ? changed : cropped);
        }
    }
}
