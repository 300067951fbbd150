package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.engine.training.PhotoAugmenter.Box;
import dev.fmnist.engine.training.PhotoAugmenter.Draw;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each step of the photo change, and the whole of it on real test images. */
class PhotoAugmenterTest {

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final int PIXELS = FashionMnist.PIXELS;
    private static final FashionMnist.Split REAL = IdxFixtures.realData().test().first(200);

    @Test
    void theDrawsStayInTheirRangesAtTheirRates() {
        Random random = new Random(1);
        int draws = 4000;
        int blurred = 0;
        int compressed = 0;
        for (int i = 0; i < draws; i++) {
            Draw draw = PhotoAugmenter.draw(Box.of(image(i % REAL.size())), random);
            assertThat(draw.scale()).isBetween(PhotoAugmenter.MIN_SCALE, PhotoAugmenter.MAX_SCALE);
            assertThat(Math.abs(draw.dx())).isLessThanOrEqualTo(PhotoAugmenter.MAX_SHIFT);
            assertThat(Math.abs(draw.dy())).isLessThanOrEqualTo(PhotoAugmenter.MAX_SHIFT);
            assertThat(draw.gamma()).isBetween(PhotoAugmenter.MIN_GAMMA, PhotoAugmenter.MAX_GAMMA);
            assertThat(draw.sigma()).isBetween(0f, PhotoAugmenter.MAX_BLUR_SIGMA);
            if (draw.sigma() > 0) {
                blurred++;
            }
            if (draw.jpegQuality() > 0) {
                assertThat(draw.jpegQuality()).isBetween(PhotoAugmenter.MIN_JPEG_QUALITY, PhotoAugmenter.MAX_JPEG_QUALITY);
                compressed++;
            }
        }
        assertThat((double) blurred / draws).isCloseTo(PhotoAugmenter.BLUR_PROBABILITY, within(0.03));
        assertThat((double) compressed / draws).isCloseTo(PhotoAugmenter.JPEG_PROBABILITY, within(0.03));
    }

    @Test
    void theShiftKeepsTheScaledGarmentInsideTheFrame() {
        Random random = new Random(2);
        for (int i = 0; i < 2000; i++) {
            Box box = i % 2 == 0 ? Box.FRAME : Box.of(image(i % REAL.size()));
            Draw draw = PhotoAugmenter.draw(box, random);
            assertThat(PhotoAugmenter.scaledEdge(box.left(), draw.scale()) + draw.dx()).isGreaterThanOrEqualTo(0f);
            assertThat(PhotoAugmenter.scaledEdge(box.right() + 1, draw.scale()) + draw.dx()).isLessThanOrEqualTo(SIDE);
            assertThat(PhotoAugmenter.scaledEdge(box.top(), draw.scale()) + draw.dy()).isGreaterThanOrEqualTo(0f);
            assertThat(PhotoAugmenter.scaledEdge(box.bottom() + 1, draw.scale()) + draw.dy()).isLessThanOrEqualTo(SIDE);
        }
        assertThat(PhotoAugmenter.shift(0, SIDE - 1, 1f, 0.99f)).as("a garment filling the frame cannot move").isZero();
        assertThat(PhotoAugmenter.shift(0, SIDE - 1, 0.75f, 0.99f)).as("at 3/4 it has 3.5 pixels a side")
                .isCloseTo(PhotoAugmenter.MAX_SHIFT, within(0.05f));
    }

    @Test
    void aGarmentFillingTheFrameLosesNothingToTheEdgesWhereverItIsPlaced() {
        float[] white = new float[PIXELS];
        Arrays.fill(white, 1f);
        PhotoAugmenter augmenter = new PhotoAugmenter();
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            Draw draw = PhotoAugmenter.draw(Box.FRAME, random);
            float[] out = new float[PIXELS];
            augmenter.place(white, draw.scale(), draw.dx(), draw.dy(), out);
            double scaledSide = SIDE * draw.scale();
            assertThat(sum(out)).as("%s: the whole scaled garment's area", draw)
                    .isCloseTo(scaledSide * scaledSide, within(0.02 * scaledSide * scaledSide));
        }
        float[] pushedOut = new float[PIXELS];
        augmenter.place(white, 1f, 2f, 0f, pushedOut);
        assertThat(sum(pushedOut)).as("the test tells a garment pushed past the frame").isLessThan(0.95 * PIXELS);
    }

    @Test
    void placingAtScaleOneCopiesAndWholeShiftsMoveExactly() {
        float[] source = image(0);
        PhotoAugmenter augmenter = new PhotoAugmenter();
        float[] out = new float[PIXELS];

        augmenter.place(source, 1f, 0f, 0f, out);
        assertThat(out).isEqualTo(source);

        augmenter.place(source, 1f, 2f, -1f, out);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                int sy = y + 1;
                int sx = x - 2;
                float expected = sy < SIDE && sx >= 0 ? source[sy * SIDE + sx] : 0f;
                assertThat(out[y * SIDE + x]).as("(%d, %d)", x, y).isEqualTo(expected);
            }
        }
    }

    @Test
    void scalingShrinksTheGarmentAboutTheCentre() {
        float[] source = image(1);
        float[] out = new float[PIXELS];
        new PhotoAugmenter().place(source, 0.75f, 0f, 0f, out);

        Box before = Box.of(source);
        Box after = Box.of(out);
        assertThat(after.right() - after.left()).isCloseTo((int) Math.round(0.75 * (before.right() - before.left())), within(2));
        assertThat(after.bottom() - after.top()).isCloseTo((int) Math.round(0.75 * (before.bottom() - before.top())), within(2));
        assertThat(sum(out) / sum(source)).as("a 3/4 garment has 9/16 of the ink").isCloseTo(0.5625, within(0.03));
    }

    @Test
    void theBlurKeepsTheInkAndSoftensThePeaks() {
        float[] source = image(2);
        float[] blurred = source.clone();
        new PhotoAugmenter().blur(blurred, PhotoAugmenter.MAX_BLUR_SIGMA);

        assertThat(sum(blurred)).isCloseTo(sum(source), within(0.02 * sum(source))); // little at the frame's edge
        assertThat(blurred).isNotEqualTo(source);
        assertThat(roughness(blurred)).isLessThan(0.85 * roughness(source));
        for (float value : blurred) {
            assertThat(value).isBetween(0f, 1f);
        }
    }

    @Test
    void levelsStretchTheBrightestToOneKeepTheBackgroundAndBendTheMidTones() {
        float[] image = {0f, 0.2f, 0.4f, 0.8f};
        float[] bright = image.clone();
        float[] dark = image.clone();

        PhotoAugmenter.levels(bright, 0.6);
        PhotoAugmenter.levels(dark, 1.5);

        assertThat(bright[0]).isZero();
        assertThat(bright[3]).isEqualTo(1f);
        assertThat(dark[3]).isEqualTo(1f);
        assertThat(bright[2]).as("0.5^0.6 in 8 bits").isEqualTo(Pixels.scale((int) Math.round(Math.pow(0.5, 0.6) * 255)));
        assertThat(dark[2]).as("0.5^1.5 in 8 bits").isEqualTo(Pixels.scale((int) Math.round(Math.pow(0.5, 1.5) * 255)));
        assertThat(bright[1]).isGreaterThan(bright[0]).isLessThan(bright[2]);
        float[] black = new float[4];
        PhotoAugmenter.levels(black, 1.2);
        assertThat(black).containsOnly(0f);
    }

    @Test
    void aJpegRoundTripAddsSmallErrorsThatGrowAsTheQualityFalls() {
        JpegRoundTrip jpeg = new JpegRoundTrip();
        double meanErrorHigh = 0;
        double meanErrorLow = 0;
        for (int i = 0; i < 20; i++) {
            float[] source = image(i);
            float[] high = source.clone();
            float[] low = source.clone();
            jpeg.apply(high, 90);
            jpeg.apply(low, 30);
            assertThat(jpeg.lastSize()).as("a real JPEG stream").isBetween(200, 4000);
            for (float value : low) {
                assertThat(Pixels.isScaled(value)).isTrue();
            }
            assertThat(mean(low)).as("JPEG keeps the mean level").isCloseTo(mean(source), within(0.01));
            meanErrorHigh += meanAbsoluteDifference(high, source);
            meanErrorLow += meanAbsoluteDifference(low, source);
        }
        assertThat(meanErrorHigh).isGreaterThan(0);
        assertThat(meanErrorLow).isGreaterThan(1.5 * meanErrorHigh);
        assertThat(meanErrorLow / 20).as("blocking, not a different image").isLessThan(0.05);
    }

    @Test
    void theWholeChangeIsReproducibleInRangeAndKeepsTheMeanLevelRoughly() {
        PhotoAugmenter augmenter = new PhotoAugmenter();
        Random first = new Random(11);
        Random second = new Random(11);
        double ratios = 0;
        for (int i = 0; i < REAL.size(); i++) {
            float[] source = image(i);
            float[] out = new float[PIXELS];
            float[] again = new float[PIXELS];
            augmenter.apply(source, first, out);
            new PhotoAugmenter().apply(source, second, again);
            assertThat(again).isEqualTo(out);
            for (float value : out) {
                assertThat(value).isBetween(0f, 1f);
            }
            double ratio = mean(out) / mean(stretched(source)); // a dim image is stretched, as the conversion does
            // per image the gamma moves dark garments' mid-tones most: 0.1^0.6 = 0.25, 0.1^1.5 = 0.03
            assertThat(ratio).as("image %d", i).isBetween(0.2, 3.0);
            ratios += ratio;
        }
        // a garment at 75-100% holds 56-100% of the ink; the stretch and the gamma move it a little either way
        assertThat(ratios / REAL.size()).isBetween(0.65, 1.1);
    }

    private static float[] image(int index) {
        float[] image = new float[PIXELS];
        Pixels.scale(REAL.images(), index * PIXELS, image, 0, PIXELS);
        return image;
    }

    private static float[] stretched(float[] image) {
        float max = 0;
        for (float value : image) {
            max = Math.max(max, value);
        }
        float[] out = image.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] /= max;
        }
        return out;
    }

    private static double sum(float[] image) {
        double sum = 0;
        for (float value : image) {
            sum += value;
        }
        return sum;
    }

    private static double mean(float[] image) {
        return sum(image) / image.length;
    }

    private static double meanAbsoluteDifference(float[] a, float[] b) {
        double total = 0;
        for (int i = 0; i < a.length; i++) {
            total += Math.abs(a[i] - b[i]);
        }
        return total / a.length;
    }

    /** The mean absolute difference between horizontal neighbours: what a blur lowers. */
    private static double roughness(float[] image) {
        double total = 0;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 1; x < SIDE; x++) {
                total += Math.abs(image[y * SIDE + x] - image[y * SIDE + x - 1]);
            }
        }
        return total;
    }
}
