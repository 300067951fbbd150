package dev.fmnist.engine.training;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import java.util.Random;

/**
 * Changes a training image into what a product photo of the same garment becomes on its way through
 * the server's conversion to Fashion-MNIST's form (the contract's {@code images/PhotoConversion}: trim
 * to the garment's box, fit the longest edge to 28, centre, stretch the levels so that the brightest is
 * 255). What the conversion cannot undo, and this puts in:
 * <ul>
 *   <li>the trimmed box is a little too large (shadow, noise, soft edges), so the fitted garment is
 *       {@value #MIN_SCALE}..{@value #MAX_SCALE} of the dataset's, whose garments fill the 28 pixels, and
 *       off-centre by up to {@value #MAX_SHIFT} pixels either way, never pushed past the frame;</li>
 *   <li>another mid-tone contrast (lighting, the garment's colour): a gamma of {@value #MIN_GAMMA}..{@value
 *       #MAX_GAMMA} on the levels, whose brightest stays 1 as the stretch leaves it;</li>
 *   <li>softer edges (area averaging, a soft photo): a gaussian blur of sigma up to {@value #MAX_BLUR_SIGMA}
 *       on half the images;</li>
 *   <li>JPEG blocking of a small photo: a quarter of the images through a real JPEG at 28x28, quality
 *       {@value #MIN_JPEG_QUALITY}..{@value #MAX_JPEG_QUALITY}.</li>
 * </ul>
 * The result is 8-bit levels scaled to [0, 1], as the served image is. Draws come from the caller's
 * {@link Random}, in a fixed order, so a run is reproducible. One instance per thread: it keeps buffers.
 */
final class PhotoAugmenter {

    static final float MIN_SCALE = 0.9f;
    static final float MAX_SCALE = 1f;
    static final float MAX_SHIFT = 1f;
    static final double MIN_GAMMA = 0.8;
    static final double MAX_GAMMA = 1.25;
    static final double BLUR_PROBABILITY = 0.3;
    static final float MAX_BLUR_SIGMA = 0.7f;
    static final double JPEG_PROBABILITY = 0.1;
    static final int MIN_JPEG_QUALITY = 50;
    static final int MAX_JPEG_QUALITY = 90;

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final float CENTRE = SIDE / 2f;
    /** Three sigmas of the widest blur hold all but 0.3% of its weight. */
    private static final int MAX_BLUR_RADIUS = (int) Math.ceil(3 * MAX_BLUR_SIGMA);

    /** One image's draws: {@code sigma} 0 for no blur, {@code jpegQuality} 0 for no JPEG. */
    record Draw(float scale, float dx, float dy, double gamma, float sigma, int jpegQuality) {}

    /** The inclusive bounds of an image's nonzero pixels: the garment, as the conversion trims it. */
    record Box(int left, int top, int right, int bottom) {

        /** The whole frame: what an image without a garment is placed as (it stays black). */
        static final Box FRAME = new Box(0, 0, SIDE - 1, SIDE - 1);

        static Box of(float[] image) {
            int left = SIDE;
            int top = SIDE;
            int right = -1;
            int bottom = -1;
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    if (image[y * SIDE + x] > 0) {
                        left = Math.min(left, x);
                        right = Math.max(right, x);
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                    }
                }
            }
            return right < 0 ? FRAME : new Box(left, top, right, bottom);
        }
    }

    private final int[] xFirst = new int[SIDE];
    private final float[] xWeight = new float[SIDE];
    private final int[] yFirst = new int[SIDE];
    private final float[] yWeight = new float[SIDE];
    private final float[] kernel = new float[2 * MAX_BLUR_RADIUS + 1];
    private final float[] rows = new float[FashionMnist.PIXELS];
    private final JpegRoundTrip jpeg = new JpegRoundTrip();

    /** Writes {@code image} (28x28 floats in [0, 1]) changed by fresh draws from {@code random} into {@code out}. */
    void apply(float[] image, Random random, float[] out) {
        apply(image, draw(Box.of(image), random), out);
    }

    /** Writes {@code image} changed as {@code draw} says into {@code out}. */
    void apply(float[] image, Draw draw, float[] out) {
        place(image, draw.scale(), draw.dx(), draw.dy(), out);
        if (draw.sigma() > 0) {
            blur(out, draw.sigma());
        }
        if (draw.jpegQuality() > 0) {
            jpeg.apply(out, draw.jpegQuality());
        }
        levels(out, draw.gamma());
    }

    /** The draws for an image whose garment is {@code box}, always the same number and order of them. */
    static Draw draw(Box box, Random random) {
        float scale = MIN_SCALE + (MAX_SCALE - MIN_SCALE) * random.nextFloat();
        float dx = shift(box.left(), box.right(), scale, random.nextFloat());
        float dy = shift(box.top(), box.bottom(), scale, random.nextFloat());
        // log-uniform: a gamma and its inverse are equally strong changes of contrast
        double gamma = Math.exp(Math.log(MIN_GAMMA) + (Math.log(MAX_GAMMA) - Math.log(MIN_GAMMA)) * random.nextDouble());
        boolean blurred = random.nextDouble() < BLUR_PROBABILITY;
        float sigma = MAX_BLUR_SIGMA * random.nextFloat();
        boolean compressed = random.nextDouble() < JPEG_PROBABILITY;
        int quality = MIN_JPEG_QUALITY + random.nextInt(MAX_JPEG_QUALITY - MIN_JPEG_QUALITY + 1);
        return new Draw(scale, dx, dy, gamma, blurred ? sigma : 0f, compressed ? quality : 0);
    }

    /**
     * A shift of at most {@link #MAX_SHIFT} either way, at {@code fraction} (in [0, 1)) of the range that
     * keeps pixels {@code first..last}, scaled about the centre, inside the frame.
     */
    static float shift(int first, int last, float scale, float fraction) {
        float low = Math.max(-MAX_SHIFT, -scaledEdge(first, scale));
        float high = Math.min(MAX_SHIFT, SIDE - scaledEdge(last + 1, scale));
        return low + (high - low) * fraction;
    }

    /** Where the pixel edge at {@code edge} lies once the image is scaled by {@code scale} about its centre. */
    static float scaledEdge(int edge, float scale) {
        return CENTRE + (edge - CENTRE) * scale;
    }

    /**
     * Bilinear resampling of {@code image} scaled by {@code scale} about the centre and moved by (dx, dy)
     * into {@code out}; black outside the source. Scale 1 and whole shifts copy pixels exactly.
     */
    void place(float[] image, float scale, float dx, float dy, float[] out) {
        axis(scale, dx, xFirst, xWeight);
        axis(scale, dy, yFirst, yWeight);
        for (int y = 0; y < SIDE; y++) {
            int y0 = yFirst[y];
            float wy = yWeight[y];
            for (int x = 0; x < SIDE; x++) {
                int x0 = xFirst[x];
                float wx = xWeight[x];
                float top = (1 - wx) * at(image, y0, x0) + wx * at(image, y0, x0 + 1);
                float bottom = (1 - wx) * at(image, y0 + 1, x0) + wx * at(image, y0 + 1, x0 + 1);
                out[y * SIDE + x] = (1 - wy) * top + wy * bottom;
            }
        }
    }

    /** For each output pixel along one axis: the source pixel at or before its centre, and the next one's weight. */
    private static void axis(float scale, float shift, int[] first, float[] weight) {
        for (int o = 0; o < SIDE; o++) {
            float source = (o + 0.5f - CENTRE - shift) / scale + CENTRE - 0.5f; // pixel i's centre is at i
            int i = (int) Math.floor(source);
            first[o] = i;
            weight[o] = source - i;
        }
    }

    private static float at(float[] image, int y, int x) {
        return y >= 0 && y < SIDE && x >= 0 && x < SIDE ? image[y * SIDE + x] : 0f;
    }

    /** A separable gaussian blur in place, black beyond the frame (the background). */
    void blur(float[] image, float sigma) {
        int radius = Math.min(MAX_BLUR_RADIUS, (int) Math.ceil(3 * sigma));
        float sum = 0;
        for (int k = -radius; k <= radius; k++) {
            kernel[k + radius] = (float) Math.exp(-k * k / (2.0 * sigma * sigma));
            sum += kernel[k + radius];
        }
        for (int k = 0; k <= 2 * radius; k++) {
            kernel[k] /= sum;
        }
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                float value = 0;
                for (int k = Math.max(-radius, -x); k <= Math.min(radius, SIDE - 1 - x); k++) {
                    value += kernel[k + radius] * image[y * SIDE + x + k];
                }
                rows[y * SIDE + x] = value;
            }
        }
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                float value = 0;
                for (int k = Math.max(-radius, -y); k <= Math.min(radius, SIDE - 1 - y); k++) {
                    value += kernel[k + radius] * rows[(y + k) * SIDE + x];
                }
                image[y * SIDE + x] = value;
            }
        }
    }

    /**
     * The conversion's stretch (the brightest level becomes 1; the background is 0 already) with a
     * gamma on the levels in between, then 8-bit levels as the served image has.
     */
    static void levels(float[] image, double gamma) {
        float max = 0;
        for (float value : image) {
            max = Math.max(max, value);
        }
        if (max <= 0) {
            return; // no garment: black stays black
        }
        for (int i = 0; i < image.length; i++) {
            double stretched = Math.min(1f, image[i] / max); // the brightest: exactly 1
            double contrasted = stretched > 0 ? Math.pow(stretched, gamma) : 0;
            image[i] = Pixels.scale((int) Math.round(contrasted * Pixels.MAX_LEVEL));
        }
    }
}
