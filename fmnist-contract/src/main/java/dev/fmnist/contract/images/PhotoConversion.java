package dev.fmnist.contract.images;

import dev.fmnist.contract.data.FashionMnist;

/**
 * Turns a photograph of a garment into the 28x28 gray levels Fashion-MNIST is made of, by the steps its
 * authors published for making the dataset from Zalando's product photos: trim the edges that have the
 * background's colour, fit the longest edge to 28 keeping the aspect, centre, negate so the garment is
 * light on black, 8-bit gray. Here the background is found on the border (a dark one, as the dataset's
 * own images have, is kept), and the levels are stretched so the background is 0 and the garment's
 * brightest pixel 255, the range nearly every training image has. Each step is a method of its own;
 * {@link #convert} runs them in order. Work is linear in the pixels given: the caller bounds them.
 */
public final class PhotoConversion {

    /** A border whose median level is at least this is light (a studio backdrop, a cut-out on white): negated. */
    public static final int LIGHT_BACKGROUND = 128;
    /** Fashion-MNIST's trim fuzz: 5% of the largest level. A pixel closer to the background is background. */
    public static final int TRIM_FUZZ = 13;
    /** The trim threshold is also at least this many of the border noise's standard deviations. */
    static final double TRIM_NOISE_SIGMAS = 4;
    /** Levels within this many noise deviations of the background are background, so noise is not stretched up. */
    static final double FLOOR_NOISE_SIGMAS = 2;
    /** A median absolute deviation times this is a normal distribution's standard deviation. */
    static final double MAD_TO_SIGMA = 1.4826;
    /**
     * A row or column is part of the garment when at least 1 in this many of its pixels are, and at least
     * two in an image larger than twice the dataset's: a noise speck alone is not.
     */
    static final int TRIM_SHARE = 100;

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final int LEVELS = 256;
    private static final int MAX_LEVEL = LEVELS - 1;

    private PhotoConversion() {}

    /**
     * The border's background: its median level and the noise around it.
     *
     * @param level median gray level of the outermost rows and columns
     * @param noise robust standard deviation of the border's levels (MAD-based), 0 for a flat border
     */
    public record Background(int level, double noise) {

        /** Whether the background is light, so the garment is darker than it and the levels are negated. */
        public boolean light() {
            return level >= LIGHT_BACKGROUND;
        }
    }

    /** A rectangle in an image's pixels. */
    public record Box(int x, int y, int width, int height) {}

    /**
     * What {@link #convert} made.
     *
     * @param levels the 784 gray levels, row-major, 0 = black
     * @param background the background found on the border
     * @param garment the box trimmed to, in the converted image's pixels
     */
    public record Result(byte[] levels, Background background, Box garment) {}

    /** All the steps: background, intensity, trim, fit and centre, stretch. */
    public static Result convert(GrayImage image) {
        Background background = background(image);
        int[] intensity = intensity(image, background);
        Box garment = garment(intensity, image.width(), image.height(), trimThreshold(background));
        float[] centred = fitAndCentre(intensity, image.width(), garment, noiseFloor(background));
        return new Result(stretch(centred), background, garment);
    }

    /** The median and robust spread of the border's levels (its outermost rows and columns). */
    public static Background background(GrayImage image) {
        int w = image.width();
        int h = image.height();
        int[] histogram = new int[LEVELS];
        int count = 0;
        for (int x = 0; x < w; x++) {
            histogram[image.level(x, 0)]++;
            count++;
            if (h > 1) {
                histogram[image.level(x, h - 1)]++;
                count++;
            }
        }
        for (int y = 1; y < h - 1; y++) {
            histogram[image.level(0, y)]++;
            count++;
            if (w > 1) {
                histogram[image.level(w - 1, y)]++;
                count++;
            }
        }
        int median = median(histogram, count);
        int[] deviations = new int[LEVELS];
        for (int v = 0; v < LEVELS; v++) {
            deviations[Math.abs(v - median)] += histogram[v];
        }
        return new Background(median, MAD_TO_SIGMA * median(deviations, count));
    }

    /**
     * How far each pixel stands out of the background towards the garment, 0 and up: below a light
     * background for a photo (the negation), above a dark one for a dataset-style image.
     */
    public static int[] intensity(GrayImage image, Background background) {
        int[] levels = image.levels();
        int[] intensity = new int[levels.length];
        int b = background.level();
        boolean light = background.light();
        for (int i = 0; i < levels.length; i++) {
            intensity[i] = Math.max(0, light ? b - levels[i] : levels[i] - b);
        }
        return intensity;
    }

    /** The smallest intensity that counts as garment when trimming. */
    public static int trimThreshold(Background background) {
        return (int) Math.max(TRIM_FUZZ, Math.ceil(TRIM_NOISE_SIGMAS * background.noise()));
    }

    /**
     * The garment's box: the outermost rows and columns with at least 1 in {@link #TRIM_SHARE} of their
     * pixels (two or more in a photo-sized image) above {@code threshold}. The whole image when nothing
     * stands out (a blank photo).
     */
    public static Box garment(int[] intensity, int width, int height, int threshold) {
        int[] rows = new int[height];
        int[] columns = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (intensity[y * width + x] > threshold) {
                    rows[y]++;
                    columns[x]++;
                }
            }
        }
        int top = first(rows, least(width));
        int left = first(columns, least(height));
        if (top < 0 || left < 0) {
            return new Box(0, 0, width, height);
        }
        int bottom = last(rows, least(width));
        int right = last(columns, least(height));
        return new Box(left, top, right - left + 1, bottom - top + 1);
    }

    /** Intensities this close to the background are set to 0 before fitting. */
    public static int noiseFloor(Background background) {
        return (int) Math.ceil(FLOOR_NOISE_SIGMAS * background.noise());
    }

    /**
     * The garment's intensities, less {@code floor}, with the longest edge fitted to 28 keeping the aspect
     * (area-averaged when shrinking, so every source pixel counts once; bilinear when growing), centred
     * on a 28x28 black canvas as Fashion-MNIST extends its shorter edge.
     */
    public static float[] fitAndCentre(int[] intensity, int width, Box garment, int floor) {
        int longest = Math.max(garment.width(), garment.height());
        int w = Math.max(1, Math.round(garment.width() * (float) SIDE / longest));
        int h = Math.max(1, Math.round(garment.height() * (float) SIDE / longest));
        float[] crop = new float[garment.width() * garment.height()];
        for (int y = 0; y < garment.height(); y++) {
            int from = (garment.y() + y) * width + garment.x();
            for (int x = 0; x < garment.width(); x++) {
                crop[y * garment.width() + x] = Math.max(0, intensity[from + x] - floor);
            }
        }
        float[] fitted = Resampling.resize(crop, garment.width(), garment.height(), w, h);
        float[] canvas = new float[SIDE * SIDE];
        int x0 = (SIDE - w) / 2;
        int y0 = (SIDE - h) / 2;
        for (int y = 0; y < h; y++) {
            System.arraycopy(fitted, y * w, canvas, (y0 + y) * SIDE + x0, w);
        }
        return canvas;
    }

    /** 8-bit levels with the brightest pixel at 255 and the background at 0; all 0 for a blank image. */
    public static byte[] stretch(float[] intensities) {
        float max = 0;
        for (float v : intensities) {
            max = Math.max(max, v);
        }
        byte[] levels = new byte[intensities.length];
        if (max < 1) {
            return levels;
        }
        float gain = MAX_LEVEL / max;
        for (int i = 0; i < levels.length; i++) {
            levels[i] = (byte) Math.min(MAX_LEVEL, Math.round(intensities[i] * gain));
        }
        return levels;
    }

    private static int median(int[] histogram, int count) {
        int seen = 0;
        for (int v = 0; v < histogram.length; v++) {
            seen += histogram[v];
            if (2 * seen > count) {
                return v;
            }
        }
        return histogram.length - 1;
    }

    /** How many garment pixels a line of {@code length} pixels needs to count. */
    private static int least(int length) {
        return length > 2 * SIDE ? Math.max(2, length / TRIM_SHARE) : 1;
    }

    private static int first(int[] counts, int least) {
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] >= least) {
                return i;
            }
        }
        return -1;
    }

    private static int last(int[] counts, int least) {
        for (int i = counts.length - 1; i >= 0; i--) {
            if (counts[i] >= least) {
                return i;
            }
        }
        return -1;
    }
}
