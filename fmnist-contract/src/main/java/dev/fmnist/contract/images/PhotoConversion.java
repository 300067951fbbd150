package dev.fmnist.contract.images;

import dev.fmnist.contract.data.FashionMnist;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns a photograph of a garment into the 28x28 gray levels Fashion-MNIST is made of, by the steps its
 * authors published for making the dataset from Zalando's product photos: trim the edges that have the
 * background's colour, fit the longest edge to 28 keeping the aspect, centre, negate so the garment is
 * light on black, 8-bit gray. Here the background is found on the border (a dark one, as the dataset's
 * own images have, is kept), as a plane so that a backdrop's gradient is not taken for garment; the trim
 * ignores what stands out only faintly next to the garment (a soft shadow); and the levels are
 * stretched so the background is 0 and the garment's brightest pixel 255, the range nearly every
 * training image has. Each step is a method of its own; {@link #convert} runs them in order. Work is
 * linear in the pixels given: the caller bounds them.
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
     * The trim also ignores pixels fainter than this share of the garment's bright level (its 99th
     * percentile): a soft shadow under a dark garment stands out by 10-25 levels, the garment by 100 and up.
     * Chosen on renders of training images with shadows, gradients and noise; no loss on plain ones.
     */
    static final double TRIM_SHARE_OF_GARMENT = 0.3;
    /** The quantile of the intensities taken for the garment's bright level. */
    static final double GARMENT_QUANTILE = 0.99;
    /**
     * A row or column is part of the garment when at least 1 in this many of its pixels are, and at least
     * two in an image larger than twice the dataset's: a noise speck alone is not.
     */
    static final int TRIM_SHARE = 100;

    /**
     * A photo is decoded subsampled, by one whole step on both axes, so its long side is this to under
     * twice this many pixels (a 640-pixel photo to 320): enough for the garment's 28 pixels, and a
     * bounded raster whatever the photo's size. The decoder reads every step-th pixel (point sampling);
     * the area averaging of the fit to 28 comes after it.
     */
    public static final int DECODE_SIDE = 224;

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final int LEVELS = 256;
    private static final int MAX_LEVEL = LEVELS - 1;

    private PhotoConversion() {}

    /**
     * The border's background: its median level, the plane that fits it (a backdrop lit unevenly is
     * lighter at one side) and the noise around that plane.
     *
     * @param level median gray level of the outermost rows and columns
     * @param noise robust standard deviation of the border's levels around the plane (MAD-based), 0 for a flat border
     * @param base the plane's level at column 0, row 0
     * @param slopeX the plane's change of level per column
     * @param slopeY its change per row
     */
    public record Background(int level, double noise, double base, double slopeX, double slopeY) {

        /** A flat background of {@code level}. */
        public Background(int level, double noise) {
            this(level, noise, level, 0, 0);
        }

        /** Whether the background is light, so the garment is darker than it and the levels are negated. */
        public boolean light() {
            return level >= LIGHT_BACKGROUND;
        }

        /** The background's level at column {@code x}, row {@code y}. */
        public double levelAt(int x, int y) {
            return base + slopeX * x + slopeY * y;
        }
    }

    /** A rectangle in an image's pixels. */
    public record Box(int x, int y, int width, int height) {}

    /**
     * What {@link #convert} made.
     *
     * @param levels the 784 gray levels, row-major, 0 = black
     * @param background the background found on the border
     * @param garment the box trimmed to, in the pixels of the image given (a subsampled decode's, in the service)
     */
    public record Result(byte[] levels, Background background, Box garment) {}

    /** The subsampling step, on both axes, of a photo of {@code width x height}: see {@link #DECODE_SIDE}. */
    public static int decodeStep(int width, int height) {
        return Math.max(1, Math.max(width, height) / DECODE_SIDE);
    }

    /**
     * The photo's pixels from {@code reader} (its input set, the size checked by the caller), subsampled
     * by {@link #decodeStep} on both axes: the one decode of a photo, the service's and the tools'.
     */
    public static BufferedImage readSubsampled(ImageReader reader) throws IOException {
        int step = decodeStep(reader.getWidth(0), reader.getHeight(0));
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        return reader.read(0, param);
    }

    /**
     * An encoded photo decoded as the inference service decodes it ({@link #readSubsampled}, from
     * memory), for tools and tests that send trusted bytes: no size check, no refusal naming a field.
     */
    public static BufferedImage decode(byte[] encoded) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a decodable image (" + encoded.length + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return readSubsampled(reader);
            } finally {
                reader.dispose();
            }
        }
    }

    /** All the steps: background, intensity, trim, fit and centre, stretch. */
    public static Result convert(GrayImage image) {
        Background background = background(image);
        int[] intensity = intensity(image, background);
        int threshold = trimThreshold(background, intensity);
        Box garment = garment(intensity, image.width(), image.height(), threshold);
        if (!standsOut(intensity, threshold)) { // a blank photo: nothing to stretch but noise
            return new Result(new byte[SIDE * SIDE], background, garment);
        }
        float[] centred = fitAndCentre(intensity, image.width(), garment, noiseFloor(background));
        return new Result(stretch(centred), background, garment);
    }

    /**
     * The border's background (its outermost rows and columns): the median level, the plane fitted by
     * least squares to the border pixels near that median (garment touching the border is left out), and
     * the robust spread of the border around the plane.
     */
    public static Background background(GrayImage image) {
        int[] border = borderPixels(image.width(), image.height());
        int[] histogram = new int[LEVELS];
        for (int i : border) {
            histogram[image.levels()[i]]++;
        }
        int median = median(histogram, border.length);
        double spread = MAD_TO_SIGMA * medianDeviation(histogram, border.length, median);
        Background plane = plane(image, border, median, trimThreshold(new Background(median, spread)));
        int[] deviations = new int[LEVELS];
        for (int i : border) {
            int x = i % image.width();
            int y = i / image.width();
            deviations[(int) Math.min(LEVELS - 1, Math.round(Math.abs(image.levels()[i] - plane.levelAt(x, y))))]++;
        }
        return new Background(median, MAD_TO_SIGMA * median(deviations, border.length), plane.base(), plane.slopeX(),
                plane.slopeY());
    }

    /** The indexes of the outermost rows' and columns' pixels, each once. */
    private static int[] borderPixels(int w, int h) {
        int[] border = new int[h == 1 || w == 1 ? w * h : 2 * w + 2 * (h - 2)];
        int n = 0;
        for (int x = 0; x < w; x++) {
            border[n++] = x;
            if (h > 1) {
                border[n++] = (h - 1) * w + x;
            }
        }
        for (int y = 1; y < h - 1; y++) {
            border[n++] = y * w;
            if (w > 1) {
                border[n++] = y * w + w - 1;
            }
        }
        return border;
    }

    /**
     * Least squares {@code level = base + slopeX x + slopeY y} over the border pixels within
     * {@code within} of the median; flat at the median when they do not determine a plane.
     */
    private static Background plane(GrayImage image, int[] border, int median, int within) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sv = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        double sxv = 0;
        double syv = 0;
        for (int i : border) {
            int v = image.levels()[i];
            if (Math.abs(v - median) <= within) {
                double x = i % image.width();
                double y = i / image.width();
                n++;
                sx += x;
                sy += y;
                sv += v;
                sxx += x * x;
                syy += y * y;
                sxy += x * y;
                sxv += x * v;
                syv += y * v;
            }
        }
        // the normal equations [n sx sy; sx sxx sxy; sy sxy syy] (base, slopeX, slopeY) = (sv, sxv, syv), by Cramer
        double det = n * (sxx * syy - sxy * sxy) - sx * (sx * syy - sxy * sy) + sy * (sx * sxy - sxx * sy);
        if (n < 3 || Math.abs(det) < 1e-9 * Math.max(1, n * sxx * syy)) {
            return new Background(median, 0);
        }
        double base = (sv * (sxx * syy - sxy * sxy) - sx * (sxv * syy - sxy * syv) + sy * (sxv * sxy - sxx * syv)) / det;
        double slopeX = (n * (sxv * syy - syv * sxy) - sv * (sx * syy - sxy * sy) + sy * (sx * syv - sxv * sy)) / det;
        double slopeY = (n * (sxx * syv - sxy * sxv) - sx * (sx * syv - sxv * sy) + sv * (sx * sxy - sxx * sy)) / det;
        return new Background(median, 0, base, slopeX, slopeY);
    }

    /**
     * How far each pixel stands out of the background towards the garment, 0 and up: below a light
     * background for a photo (the negation), above a dark one for a dataset-style image.
     */
    public static int[] intensity(GrayImage image, Background background) {
        int[] levels = image.levels();
        int w = image.width();
        int[] intensity = new int[levels.length];
        boolean light = background.light();
        // the plane's change along a row, once; then each row is a branch-free loop the JIT can vectorise
        float[] alongRow = new float[w];
        for (int x = 0; x < w; x++) {
            alongRow[x] = (float) (background.slopeX() * x);
        }
        float sign = light ? -1 : 1; // light: how far below the backdrop; dark: how far above it
        for (int y = 0; y < image.height(); y++) {
            float rowStart = (float) background.levelAt(0, y);
            for (int x = 0, i = y * w; x < w; x++, i++) {
                float d = sign * (levels[i] - (rowStart + alongRow[x]));
                intensity[i] = Math.max(0, (int) (d + 0.5f)); // rounded half up; below the plane, 0
            }
        }
        return intensity;
    }

    /** The smallest intensity that stands out of the background: Fashion-MNIST's fuzz, or the noise's. */
    public static int trimThreshold(Background background) {
        return (int) Math.max(TRIM_FUZZ, Math.ceil(TRIM_NOISE_SIGMAS * background.noise()));
    }

    /**
     * The smallest intensity that counts as garment when trimming: above {@link #trimThreshold(Background)}
     * and {@link #TRIM_SHARE_OF_GARMENT} of the garment's bright level.
     */
    public static int trimThreshold(Background background, int[] intensity) {
        int[] histogram = new int[LEVELS];
        for (int v : intensity) {
            histogram[Math.min(LEVELS - 1, v)]++;
        }
        int bright = quantile(histogram, intensity.length, GARMENT_QUANTILE);
        return (int) Math.max(trimThreshold(background), Math.floor(TRIM_SHARE_OF_GARMENT * bright));
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

    /** Whether any pixel stands out of the background by more than {@code threshold}. */
    static boolean standsOut(int[] intensity, int threshold) {
        for (int v : intensity) {
            if (v > threshold) {
                return true;
            }
        }
        return false;
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
        // an odd spare pixel goes left and above, as in Fashion-MNIST (19,254 training images against 62)
        int x0 = (SIDE - w + 1) / 2;
        int y0 = (SIDE - h + 1) / 2;
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
        return quantile(histogram, count, 0.5);
    }

    /** The smallest level with more than a {@code q} share of the {@code count} values at or below it. */
    private static int quantile(int[] histogram, int count, double q) {
        long seen = 0;
        for (int v = 0; v < histogram.length; v++) {
            seen += histogram[v];
            if (seen > q * count) {
                return v;
            }
        }
        return histogram.length - 1;
    }

    private static int medianDeviation(int[] histogram, int count, int median) {
        int[] deviations = new int[LEVELS];
        for (int v = 0; v < LEVELS; v++) {
            deviations[Math.abs(v - median)] += histogram[v];
        }
        return median(deviations, count);
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
