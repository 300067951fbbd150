package dev.fmnist.contract.images;

import dev.fmnist.contract.data.FashionMnist;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Product-photo renders of a Fashion-MNIST image, the kind of picture a user of a clothing classifier
 * has: the garment dark and coloured on a light studio background, 160-640 px on a canvas of another
 * aspect, off-centre, with slight noise, as a JPEG, an RGB PNG, a PNG cut-out on transparency or a
 * grayscale JPEG. For the tests, the load generator and the docs; nothing in a service makes them.
 *
 * <p>Every random choice is drawn from one {@link SplittableRandom} seeded with the caller's seed, in a fixed
 * order, so equal pixels, style and seed give equal bytes on every run. A render is the dataset image
 * upscaled (Catmull-Rom bicubic) into a square that takes {@value #MIN_GARMENT_SHARE}-{@value
 * #MAX_GARMENT_SHARE} of the canvas' short side; its intensity {@code t = level / 255} mixes the
 * garment's colour into the background ({@code background * (1 - t) + colour * t}), so where the
 * dataset image is black the photo shows the backdrop.
 */
public final class PhotoRenders {

    /** How a render is delivered. */
    public enum Style {
        /** RGB on the studio background, JPEG at a quality of {@value PhotoRenders#MIN_QUALITY}-{@value PhotoRenders#MAX_QUALITY}. */
        JPEG("jpeg", "jpeg"),
        /** RGB on the studio background, lossless PNG. */
        RGB_PNG("rgb-png", "png"),
        /** ARGB, the garment opaque with a soft edge, the background fully transparent, PNG. */
        CUTOUT_PNG("cutout-png", "png"),
        /** The RGB render's luminance, 8-bit gray JPEG. */
        GRAY_JPEG("gray-jpeg", "jpeg");

        private final String id;
        private final String format;

        Style(String id, String format) {
            this.id = id;
            this.format = format;
        }

        /** The lower-case name the tools take: jpeg, rgb-png, cutout-png, gray-jpeg. */
        public String id() {
            return id;
        }

        /** The ImageIO format the render is encoded in: jpeg or png. */
        public String format() {
            return format;
        }

        /** The style of that {@link #id()}; an unknown id is refused naming the known ones. */
        public static Style fromId(String id) {
            for (Style style : values()) {
                if (style.id.equals(id)) {
                    return style;
                }
            }
            throw new IllegalArgumentException("unknown photo style '" + id + "'; expected one of "
                    + Arrays.stream(values()).map(Style::id).collect(Collectors.joining(", ")));
        }
    }

    /** The canvas' long side is drawn uniformly from this to {@link #MAX_LONG_SIDE} pixels. */
    public static final int MIN_LONG_SIDE = 160;
    public static final int MAX_LONG_SIDE = 640;
    /** The canvas' short side is at least this share of its long side (and at most all of it). */
    public static final double MIN_ASPECT = 0.6;
    /** The garment's square (the dataset image's 28x28) takes this share of the canvas' short side, or up to the next. */
    public static final double MIN_GARMENT_SHARE = 0.5;
    public static final double MAX_GARMENT_SHARE = 0.85;
    /** The backdrop's gray level, before its tint and gradient, is drawn from here to {@link #MAX_BACKGROUND}. */
    public static final int MIN_BACKGROUND = 215;
    public static final int MAX_BACKGROUND = 250;
    /** Each channel of the backdrop is tinted by at most this many levels either way. */
    public static final int TINT = 8;
    /**
     * The backdrop gets at most this many levels darker from top to bottom, centred on its level. Kept
     * small: the conversion takes a pixel within 13 levels of the border's median for background.
     */
    public static final int GRADIENT = 8;
    /** Each channel of the garment's colour is at most this: dark-ish, so it stands out of the backdrop. */
    public static final int MAX_GARMENT_CHANNEL = 140;
    /** Gaussian noise per channel, its standard deviation drawn from here to {@link #MAX_NOISE} levels. */
    public static final double MIN_NOISE = 1.5;
    public static final double MAX_NOISE = 3;
    /** JPEG quality, drawn from here to {@link #MAX_QUALITY}. */
    public static final float MIN_QUALITY = 0.75f;
    public static final float MAX_QUALITY = 0.92f;
    /** A cut-out's alpha is {@code 255 * min(1, OPAQUE_GAIN * t)}: opaque from a third of full intensity, a soft edge below. */
    static final int OPAQUE_GAIN = 3;
    /** The largest canvas side the explicit-size overloads accept. */
    public static final int MAX_SIDE = 4096;

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final int MAX_LEVEL = 255;
    private static final int CHANNELS = 3;

    private PhotoRenders() {}

    /**
     * Where a seed puts the garment: the canvas, and the square the dataset's 28x28 is upscaled into.
     *
     * @param width canvas width in pixels
     * @param height canvas height in pixels
     * @param garmentX left column of the garment's square
     * @param garmentY top row of the garment's square
     * @param garmentSide the square's side in pixels
     */
    public record Layout(int width, int height, int garmentX, int garmentY, int garmentSide) {}

    /** The render as an image: TYPE_INT_RGB, TYPE_INT_ARGB for CUTOUT_PNG, TYPE_BYTE_GRAY for GRAY_JPEG. */
    public static BufferedImage image(byte[] pixels, int offset, Style style, long seed) {
        return render(pixels, offset, style, new Recipe(seed, 0, 0));
    }

    /** The same render on a canvas of {@code width x height} instead of the drawn one (benchmarks at a fixed size). */
    public static BufferedImage image(byte[] pixels, int offset, Style style, long seed, int width, int height) {
        checkSide("width", width);
        checkSide("height", height);
        return render(pixels, offset, style, new Recipe(seed, width, height));
    }

    /** The render encoded as its style says: JPEG or PNG bytes. */
    public static byte[] encoded(byte[] pixels, int offset, Style style, long seed) {
        Recipe recipe = new Recipe(seed, 0, 0);
        return encode(render(pixels, offset, style, recipe), style, recipe.quality);
    }

    /** {@link #encoded(byte[], int, Style, long)} on a canvas of {@code width x height}. */
    public static byte[] encoded(byte[] pixels, int offset, Style style, long seed, int width, int height) {
        checkSide("width", width);
        checkSide("height", height);
        Recipe recipe = new Recipe(seed, width, height);
        return encode(render(pixels, offset, style, recipe), style, recipe.quality);
    }

    /** The canvas and garment square that {@code seed} draws (the same for every style and image). */
    public static Layout layout(long seed) {
        return new Recipe(seed, 0, 0).layout;
    }

    /**
     * The draws of one render, in their fixed order: canvas, garment square and its place, backdrop,
     * colour, noise, JPEG quality; the noise's own draws follow, pixel by pixel.
     */
    private static final class Recipe {
        final SplittableRandom random;
        final Layout layout;
        final int[] background = new int[CHANNELS];
        final int gradient;
        final int[] colour = new int[CHANNELS];
        final double noise;
        final float quality;

        Recipe(long seed, int fixedWidth, int fixedHeight) {
            random = new SplittableRandom(seed);
            int longSide = MIN_LONG_SIDE + random.nextInt(MAX_LONG_SIDE - MIN_LONG_SIDE + 1);
            double aspect = MIN_ASPECT + (1 - MIN_ASPECT) * random.nextDouble();
            int shortSide = Math.min(longSide, (int) Math.ceil(longSide * aspect));
            boolean portrait = random.nextBoolean();
            int width = fixedWidth > 0 ? fixedWidth : portrait ? shortSide : longSide;
            int height = fixedHeight > 0 ? fixedHeight : portrait ? longSide : shortSide;
            double share = MIN_GARMENT_SHARE + (MAX_GARMENT_SHARE - MIN_GARMENT_SHARE) * random.nextDouble();
            int side = Math.max(1, (int) Math.round(Math.min(width, height) * share));
            int x = random.nextInt(width - side + 1);
            int y = random.nextInt(height - side + 1);
            layout = new Layout(width, height, x, y, side);
            int level = MIN_BACKGROUND + random.nextInt(MAX_BACKGROUND - MIN_BACKGROUND + 1);
            for (int c = 0; c < CHANNELS; c++) {
                background[c] = level + random.nextInt(2 * TINT + 1) - TINT;
            }
            gradient = random.nextInt(GRADIENT + 1);
            for (int c = 0; c < CHANNELS; c++) {
                colour[c] = random.nextInt(MAX_GARMENT_CHANNEL + 1);
            }
            noise = MIN_NOISE + (MAX_NOISE - MIN_NOISE) * random.nextDouble();
            quality = MIN_QUALITY + (MAX_QUALITY - MIN_QUALITY) * random.nextFloat();
        }
    }

    private static BufferedImage render(byte[] pixels, int offset, Style style, Recipe recipe) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(style, "style");
        if (offset < 0 || offset > pixels.length - FashionMnist.PIXELS) {
            throw new IllegalArgumentException("offset " + offset + " leaves no " + FashionMnist.PIXELS
                    + " pixels in an array of " + pixels.length);
        }
        Layout layout = recipe.layout;
        int w = layout.width();
        int h = layout.height();
        int side = layout.garmentSide();
        float[] garment = upscale(pixels, offset, side);
        BufferedImage image = new BufferedImage(w, h, switch (style) {
            case CUTOUT_PNG -> BufferedImage.TYPE_INT_ARGB;
            case GRAY_JPEG -> BufferedImage.TYPE_BYTE_GRAY;
            default -> BufferedImage.TYPE_INT_RGB;
        });
        int[] row = new int[w];
        int[] rgb = new int[CHANNELS];
        for (int y = 0; y < h; y++) {
            // top half a gradient lighter than the level, bottom half darker: the border's median stays the level
            double shade = recipe.gradient * (0.5 - (h == 1 ? 0.5 : (double) y / (h - 1)));
            int gy = y - layout.garmentY();
            for (int x = 0; x < w; x++) {
                int gx = x - layout.garmentX();
                float t = gy >= 0 && gy < side && gx >= 0 && gx < side ? garment[gy * side + gx] : 0;
                for (int c = 0; c < CHANNELS; c++) {
                    double value = (recipe.background[c] + shade) * (1 - t) + recipe.colour[c] * t
                            + recipe.noise * recipe.random.nextGaussian();
                    rgb[c] = (int) Math.max(0, Math.min(MAX_LEVEL, Math.round(value)));
                }
                row[x] = switch (style) {
                    case GRAY_JPEG -> GrayImage.luminance(rgb[0], rgb[1], rgb[2]);
                    case CUTOUT_PNG -> cutOut(Math.round(MAX_LEVEL * Math.min(1f, OPAQUE_GAIN * t)), rgb, recipe.background);
                    default -> rgb[0] << 16 | rgb[1] << 8 | rgb[2];
                };
            }
            if (style == Style.GRAY_JPEG) {
                image.getRaster().setSamples(0, y, w, 1, 0, row);
            } else {
                image.setRGB(0, y, w, 1, row, 0, w);
            }
        }
        return image;
    }

    /**
     * A cut-out's ARGB pixel: the render's colour under {@code alpha}; the flat backdrop colour where fully
     * transparent, as a cut-out tool leaves it (noise nobody sees would make the PNG ten times larger).
     */
    private static int cutOut(int alpha, int[] rgb, int[] background) {
        int[] colour = alpha == 0 ? background : rgb;
        return alpha << 24 | Math.min(MAX_LEVEL, colour[0]) << 16 | Math.min(MAX_LEVEL, colour[1]) << 8
                | Math.min(MAX_LEVEL, colour[2]);
    }

    /**
     * The 28x28 levels as intensities in [0, 1], upscaled to {@code side x side} with Catmull-Rom
     * bicubic interpolation (separable, outside the image counts as black), clamped after its overshoot.
     */
    static float[] upscale(byte[] pixels, int offset, int side) {
        int[][] taps = new int[side][];
        float[][] weights = new float[side][];
        double scale = (double) SIDE / side;
        for (int i = 0; i < side; i++) {
            double u = (i + 0.5) * scale - 0.5;
            int base = (int) Math.floor(u);
            double f = u - base;
            taps[i] = new int[] {base - 1, base, base + 1, base + 2};
            weights[i] = new float[] {
                (float) catmullRom(1 + f), (float) catmullRom(f), (float) catmullRom(1 - f), (float) catmullRom(2 - f)};
        }
        float[] wide = new float[SIDE * side];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < side; x++) {
                float sum = 0;
                for (int k = 0; k < 4; k++) {
                    int j = taps[x][k];
                    if (j >= 0 && j < SIDE) {
                        sum += weights[x][k] * (pixels[offset + y * SIDE + j] & 0xff) / (float) MAX_LEVEL;
                    }
                }
                wide[y * side + x] = sum;
            }
        }
        float[] square = new float[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                float sum = 0;
                for (int k = 0; k < 4; k++) {
                    int j = taps[y][k];
                    if (j >= 0 && j < SIDE) {
                        sum += weights[y][k] * wide[j * side + x];
                    }
                }
                square[y * side + x] = Math.max(0, Math.min(1, sum));
            }
        }
        return square;
    }

    /** The Catmull-Rom cubic (a = -0.5) at distance {@code d} from a sample. */
    private static double catmullRom(double d) {
        double x = Math.abs(d);
        if (x < 1) {
            return 1.5 * x * x * x - 2.5 * x * x + 1;
        }
        if (x < 2) {
            return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
        }
        return 0;
    }

    private static byte[] encode(BufferedImage image, Style style, float quality) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName(style.format()).next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (style.format().equals("jpeg")) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(quality);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static void checkSide(String name, int value) {
        if (value < SIDE || value > MAX_SIDE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %d pixels; expected %d to %d",
                    name, value, SIDE, MAX_SIDE));
        }
    }
}
