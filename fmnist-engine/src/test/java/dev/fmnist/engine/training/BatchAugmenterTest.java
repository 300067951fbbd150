package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchAugmenterTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final int IMAGES = 4;
    private static final long[] ORDER = {2, 0, 3, 1};
    /** Every pixel distinct and none black, so a shift or a mirror shows in every value. */
    private static final FashionMnist.Split SPLIT = split();

    @Test
    void withoutAugmentationTheBatchIsTheImagesInOrder() {
        float[][] batch = batch(new BatchAugmenter(SPLIT, Augmentation.NONE, 1), 0, IMAGES);
        for (int i = 0; i < IMAGES; i++) {
            assertThat(batch[i]).isEqualTo(original((int) ORDER[i]));
        }
    }

    @Test
    void aFlipMirrorsAboutHalfTheImagesAndChangesNothingElse() {
        BatchAugmenter augmenter = new BatchAugmenter(SPLIT, new Augmentation(0, true), 7);
        int flipped = 0;
        int draws = 0;
        for (int round = 0; round < 50; round++) {
            float[][] batch = batch(augmenter, 0, IMAGES);
            for (int i = 0; i < IMAGES; i++, draws++) {
                float[] source = original((int) ORDER[i]);
                if (!Arrays.equals(batch[i], source)) {
                    assertThat(batch[i]).isEqualTo(shifted(source, 0, 0, true));
                    flipped++;
                }
            }
        }
        assertThat((double) flipped / draws).isBetween(0.35, 0.65);
    }

    @Test
    void aCropShiftsEachImageByAtMostThePaddingFillingWithBlackAndDrawsAfreshEachTime() {
        int padding = 2;
        BatchAugmenter augmenter = new BatchAugmenter(SPLIT, new Augmentation(padding, false), 11);
        Set<String> shifts = new HashSet<>();
        for (int round = 0; round < 40; round++) {
            float[][] batch = batch(augmenter, 1, 3); // a batch from the middle of the order
            for (int i = 0; i < 2; i++) {
                float[] source = original((int) ORDER[1 + i]);
                String found = null;
                for (int dy = -padding; dy <= padding && found == null; dy++) {
                    for (int dx = -padding; dx <= padding && found == null; dx++) {
                        if (Arrays.equals(batch[i], shifted(source, dy, dx, false))) {
                            found = dy + "," + dx;
                        }
                    }
                }
                assertThat(found).as("round %d image %d is a shift of its source by at most %d", round, i, padding)
                        .isNotNull();
                shifts.add(found);
            }
        }
        assertThat(shifts).as("all 25 shifts are drawn over 80 images").hasSizeGreaterThan(15);
    }

    @Test
    void theSameSeedDrawsTheSameBatchesAndAnotherSeedOthers() {
        Augmentation both = new Augmentation(3, true);
        BatchAugmenter first = new BatchAugmenter(SPLIT, both, 5);
        BatchAugmenter second = new BatchAugmenter(SPLIT, both, 5);
        BatchAugmenter other = new BatchAugmenter(SPLIT, both, 6);
        float[][] a = batch(first, 0, IMAGES);
        assertThat(batch(second, 0, IMAGES)).isEqualTo(a);
        assertThat(batch(other, 0, IMAGES)).isNotEqualTo(a);
        assertThat(batch(first, 0, IMAGES)).as("the next epoch draws again").isNotEqualTo(a);
    }

    @Test
    void withPhotoOffTheBatchesAreTheOnesMadeBeforeThePhotoAugmentationBitForBit() {
        FashionMnist.Split real = IdxFixtures.realData().test().first(300);
        long[] order = new long[real.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = (i * 7919L) % order.length; // a permutation, as the shuffle's
        }
        for (Augmentation augmentation : List.of(Augmentation.NONE, new Augmentation(0, true), new Augmentation(3, false),
                new Augmentation(2, true), new Augmentation(7, true))) {
            for (long seed : new long[] {0, 1, -42}) {
                BatchAugmenter augmenter = new BatchAugmenter(real, augmentation, seed);
                TodaysCropAndFlip reference = new TodaysCropAndFlip(real, augmentation, seed);
                for (int from = 0; from < order.length; from += 100) { // three batches, then the next epoch's
                    float[] expected = reference.batch(order, from, from + 100);
                    try (NDManager manager = ENGINE.newManager()) {
                        assertThat(augmenter.images(manager, order, from, from + 100).toFloatArray())
                                .as("%s, seed %d, batch from %d", augmentation, seed, from).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void withPhotoOnTheBatchesAreReproducibleEightBitLevelsInZeroToOneEachStretchedToOne() {
        FashionMnist.Split real = IdxFixtures.realData().test().first(64);
        long[] order = new long[real.size()];
        Arrays.setAll(order, i -> i);
        Augmentation photo = new Augmentation(0, false, true);
        float[] a = batch(real, new BatchAugmenter(real, photo, 3), order);
        float[] again = batch(real, new BatchAugmenter(real, photo, 3), order);
        float[] other = batch(real, new BatchAugmenter(real, photo, 4), order);
        float[] plain = batch(real, new BatchAugmenter(real, Augmentation.NONE, 3), order);

        assertThat(again).isEqualTo(a);
        assertThat(other).isNotEqualTo(a);
        assertThat(a).isNotEqualTo(plain);
        for (int i = 0; i < order.length; i++) {
            float max = 0;
            for (int p = 0; p < FashionMnist.PIXELS; p++) {
                float value = a[i * FashionMnist.PIXELS + p];
                assertThat(value).isBetween(0f, 1f);
                assertThat(value * 255f).as("an 8-bit level").isCloseTo(Math.round(value * 255f), within(1e-3f));
                max = Math.max(max, value);
            }
            assertThat(max).as("image %d: the conversion's stretch", i).isEqualTo(1f);
        }
    }

    @Test
    void withPhotoOnEachImageIsTodaysCropAndFlipThenThePhotoChangeDrawnNextFromTheSameRandom() {
        FashionMnist.Split real = IdxFixtures.realData().test().first(40);
        long[] order = new long[real.size()];
        Arrays.setAll(order, i -> order.length - 1 - i);
        Augmentation all = new Augmentation(2, true, true);
        BatchAugmenter augmenter = new BatchAugmenter(real, all, 5);
        TodaysCropAndFlip reference = new TodaysCropAndFlip(real, all, 5);
        for (int from = 0; from < order.length; from += 20) {
            float[] expected = reference.batch(order, from, from + 20);
            try (NDManager manager = ENGINE.newManager()) {
                assertThat(augmenter.images(manager, order, from, from + 20).toFloatArray()).isEqualTo(expected);
            }
        }
    }

    private static float[] batch(FashionMnist.Split split, BatchAugmenter augmenter, long[] order) {
        try (NDManager manager = ENGINE.newManager()) {
            return augmenter.images(manager, order, 0, order.length).toFloatArray();
        }
    }

    /**
     * The crop and flip exactly as BatchAugmenter wrote them before the photo augmentation (a copy of
     * that code): the reference; with photo on, the photo change follows each image's crop and flip.
     */
    private static final class TodaysCropAndFlip {
        private final FashionMnist.Split split;
        private final Augmentation augmentation;
        private final Random random;
        /** The photo change, when on, applied to each image with the crop's and flip's random. */
        private final PhotoAugmenter photo;

        TodaysCropAndFlip(FashionMnist.Split split, Augmentation augmentation, long seed) {
            this.split = split;
            this.augmentation = augmentation;
            this.random = new Random(seed ^ BatchAugmenter.SALT);
            this.photo = augmentation.photo() ? new PhotoAugmenter() : null;
        }

        float[] batch(long[] order, int from, int to) {
            float[] pixels = new float[(to - from) * FashionMnist.PIXELS];
            byte[] source = split.images();
            int padding = augmentation.cropPadding();
            for (int i = 0; i < to - from; i++) {
                int image = Math.toIntExact(order[from + i]) * FashionMnist.PIXELS;
                int dy = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
                int dx = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
                boolean flip = augmentation.horizontalFlip() && random.nextBoolean();
                int out = i * FashionMnist.PIXELS;
                for (int y = 0; y < SIDE; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < SIDE; x++) {
                        int sx = (flip ? SIDE - 1 - x : x) + dx;
                        boolean inside = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE;
                        pixels[out + y * SIDE + x] = inside ? Pixels.scale(source[image + sy * SIDE + sx]) : 0f;
                    }
                }
                if (photo != null) {
                    float[] cropped = Arrays.copyOfRange(pixels, out, out + FashionMnist.PIXELS);
                    float[] changed = new float[FashionMnist.PIXELS];
                    photo.apply(cropped, random, changed);
                    System.arraycopy(changed, 0, pixels, out, FashionMnist.PIXELS);
                }
            }
            return pixels;
        }
    }

    /** A resumed run skips the images already augmented: what follows is what would have followed. */
    @Test
    void skippingImagesMakesTheirDrawsSoTheNextBatchesAreTheOnesThatFollowThem() {
        boolean differ = false;
        for (Augmentation augmentation : List.of(new Augmentation(3, true, true), new Augmentation(2, false),
                new Augmentation(0, true))) {
            BatchAugmenter made = new BatchAugmenter(SPLIT, augmentation, 21);
            for (int round = 0; round < 5; round++) {
                batch(made, 0, IMAGES);
            }
            batch(made, 0, 3);
            BatchAugmenter skipped = new BatchAugmenter(SPLIT, augmentation, 21);
            skipped.skip(5 * IMAGES + 3);

            BatchAugmenter notSkipped = new BatchAugmenter(SPLIT, augmentation, 21);
            for (int round = 0; round < 3; round++) {
                float[][] next = batch(made, 0, IMAGES);
                assertThat(batch(skipped, 0, IMAGES)).as(augmentation.toString()).isEqualTo(next);
                differ |= !Arrays.deepEquals(batch(notSkipped, 0, IMAGES), next);
            }
        }
        assertThat(differ).as("without the skip the batches differ: the test can tell").isTrue();
    }

    private static float[][] batch(BatchAugmenter augmenter, int from, int to) {
        try (NDManager manager = ENGINE.newManager()) {
            NDArray images = augmenter.images(manager, ORDER, from, to);
            assertThat(images.getShape()).isEqualTo(new Shape(to - from, 1, SIDE, SIDE));
            float[] flat = images.toFloatArray();
            float[][] out = new float[to - from][];
            for (int i = 0; i < out.length; i++) {
                out[i] = Arrays.copyOfRange(flat, i * FashionMnist.PIXELS, (i + 1) * FashionMnist.PIXELS);
            }
            return out;
        }
    }

    private static float[] original(int image) {
        return shifted(pixels(image), 0, 0, false);
    }

    private static float[] pixels(int image) {
        float[] values = new float[FashionMnist.PIXELS];
        for (int p = 0; p < values.length; p++) {
            values[p] = (SPLIT.images()[image * FashionMnist.PIXELS + p] & 0xff) / 255f;
        }
        return values;
    }

    /** The image seen through a window moved by (dy, dx), mirrored first if asked; black outside. */
    private static float[] shifted(float[] source, int dy, int dx, boolean mirror) {
        float[] out = new float[FashionMnist.PIXELS];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sy = y + dy;
                int sx = (mirror ? SIDE - 1 - x : x) + dx;
                out[y * SIDE + x] = sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE ? source[sy * SIDE + sx] : 0f;
            }
        }
        return out;
    }

    private static FashionMnist.Split split() {
        byte[] images = new byte[IMAGES * FashionMnist.PIXELS];
        for (int i = 0; i < images.length; i++) {
            images[i] = (byte) (1 + (i * 7 + i / FashionMnist.PIXELS * 13) % 254);
        }
        return new FashionMnist.Split(images, new byte[IMAGES]);
    }
}
