package dev.fmnist.contract.images;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.Arrays;

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
    /** 0.299, 0.587 and 0.114 times 2^16, rounded so that they sum to 2^16. */
    private static final int RED_WEIGHT = 19_595;
    private static final int GREEN_WEIGHT = 38_470;
    private static final int BLUE_WEIGHT = 7_471;
    private static final int WEIGHT_BITS = 16;
    private static final int HALF = 1 << (WEIGHT_BITS - 1);

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

    /**
     * Luminance of an sRGB colour, rounded: the Rec. 601 weights in 16-bit fixed point, which sum to
     * exactly 1, so gray sources and R = G = B keep their level exactly.
     */
    public static int luminance(int red, int green, int blue) {
        return (RED_WEIGHT * red + GREEN_WEIGHT * green + BLUE_WEIGHT * blue + HALF) >> WEIGHT_BITS;
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
        if (raster.getDataBuffer() instanceof DataBufferByte buffer
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel interleaved
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && buffer.getNumBanks() == 1 && buffer.getOffset() == 0 && Arrays.stream(model.getComponentSize()).allMatch(b -> b == Byte.SIZE)) {
            return fromBytes(buffer.getData(), interleaved, w, h, gray, model.hasAlpha());
        }
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

    /**
     * The common decoded layouts (8-bit gray, BGR and ABGR as ImageIO's PNG and JPEG readers make them)
     * read straight from their bytes: several times faster than sample by sample.
     */
    private static GrayImage fromBytes(byte[] data, PixelInterleavedSampleModel layout, int w, int h, boolean gray,
            boolean hasAlpha) {
        int[] offsets = layout.getBandOffsets();
        int stride = layout.getPixelStride();
        int scanline = layout.getScanlineStride();
        int colours = gray ? 1 : 3;
        int[] levels = new int[w * h];
        int[] alpha = hasAlpha ? new int[w * h] : null;
        // one loop per layout, each without a branch inside, so the JIT keeps them tight
        for (int y = 0; y < h; y++) {
            int p = y * scanline;
            int i = y * w;
            if (gray) {
                int v = offsets[0];
                for (int x = 0; x < w; x++, i++, p += stride) {
                    levels[i] = data[p + v] & 0xff;
                }
            } else {
                int r = offsets[0];
                int g = offsets[1];
                int b = offsets[2];
                for (int x = 0; x < w; x++, i++, p += stride) {
                    levels[i] = luminance(data[p + r] & 0xff, data[p + g] & 0xff, data[p + b] & 0xff);
                }
            }
            if (alpha != null) {
                int a = offsets[colours];
                for (int x = 0, q = y * scanline, k = y * w; x < w; x++, k++, q += stride) {
                    alpha[k] = data[q + a] & 0xff;
                }
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
