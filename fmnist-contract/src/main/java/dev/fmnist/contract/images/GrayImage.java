package dev.fmnist.contract.images;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * An image's 8-bit gray levels, row-major, with any transparency composited on white: the first step
 * of the photo conversion. Gray is luminance of the sRGB values as stored (Rec. 601 weights, as PIL's
 * {@code convert("L")} and Fashion-MNIST's own pipeline compute it); gray sources keep their levels.
 *
 * @param width pixels a row
 * @param height rows
 * @param levels {@code width * height} levels, 0 = black
 * @param transparent whether any pixel was less than opaque
 */
public record GrayImage(int width, int height, int[] levels, boolean transparent) {

    /** The largest 8-bit level: white, which transparency is composited on (product photos' studio white). */
    public static final int WHITE = 255;
    private static final int RED_WEIGHT = 299;
    private static final int GREEN_WEIGHT = 587;
    private static final int BLUE_WEIGHT = 114;
    private static final int WEIGHTS = 1000;

    public GrayImage {
        if (width < 1 || height < 1 || levels.length != width * height) {
            throw new IllegalArgumentException("a gray image of " + width + "x" + height + " needs " + (long) width * height
                    + " levels, got " + levels.length);
        }
    }

    /** The level at column {@code x}, row {@code y}. */
    public int level(int x, int y) {
        return levels[y * width + x];
    }

    /** Luminance of an sRGB colour, rounded: gray sources and R = G = B keep their level exactly. */
    public static int luminance(int red, int green, int blue) {
        return (RED_WEIGHT * red + GREEN_WEIGHT * green + BLUE_WEIGHT * blue + WEIGHTS / 2) / WEIGHTS;
    }

    /** {@code level} seen through {@code alpha} (0-255) on white. */
    public static int onWhite(int level, int alpha) {
        return (level * alpha + WHITE * (WHITE - alpha) + WHITE / 2) / WHITE;
    }

    /**
     * The gray levels of a decoded image. Gray, RGB and their alpha variants are read from the raster's
     * samples (a gray PNG's levels as stored, not through Java 2D's linear-gray colour model); palettes
     * and other colour spaces (CMYK JPEGs) through their colour model's sRGB.
     */
    public static GrayImage of(BufferedImage image) {
        ColorModel model = image.getColorModel();
        int type = model.getColorSpace().getType();
        boolean samples = !(model instanceof IndexColorModel)
                && (type == ColorSpace.TYPE_GRAY || type == ColorSpace.TYPE_RGB);
        return samples ? fromSamples(image.getRaster(), model, type == ColorSpace.TYPE_GRAY) : fromArgb(image);
    }

    private static GrayImage fromSamples(Raster raster, ColorModel model, boolean gray) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int colours = gray ? 1 : 3;
        int[][] bands = new int[colours][];
        for (int b = 0; b < colours; b++) {
            bands[b] = to8Bits(raster.getSamples(0, 0, w, h, b, (int[]) null), model.getComponentSize(b));
        }
        int[] alpha = model.hasAlpha()
                ? to8Bits(raster.getSamples(0, 0, w, h, colours, (int[]) null), model.getComponentSize(colours)) : null;
        int[] levels = gray ? bands[0] : new int[w * h];
        if (!gray) {
            for (int i = 0; i < levels.length; i++) {
                levels[i] = luminance(bands[0][i], bands[1][i], bands[2][i]);
            }
        }
        return composited(w, h, levels, alpha);
    }

    private static GrayImage fromArgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        int[] levels = new int[argb.length];
        int[] alpha = image.getColorModel().hasAlpha() ? new int[argb.length] : null;
        for (int i = 0; i < argb.length; i++) {
            int c = argb[i];
            levels[i] = luminance((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff);
            if (alpha != null) {
                alpha[i] = c >>> 24;
            }
        }
        return composited(w, h, levels, alpha);
    }

    private static GrayImage composited(int w, int h, int[] levels, int[] alpha) {
        boolean transparent = false;
        if (alpha != null) {
            for (int i = 0; i < levels.length; i++) {
                if (alpha[i] < WHITE) {
                    transparent = true;
                    levels[i] = onWhite(levels[i], alpha[i]);
                }
            }
        }
        return new GrayImage(w, h, levels, transparent);
    }

    /** Samples of {@code bits} bits (16-bit PNGs, 1-bit masks) as 8-bit levels. */
    private static int[] to8Bits(int[] samples, int bits) {
        if (bits == Byte.SIZE) {
            return samples;
        }
        int max = (1 << bits) - 1;
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (samples[i] * WHITE + max / 2) / max;
        }
        return samples;
    }
}
