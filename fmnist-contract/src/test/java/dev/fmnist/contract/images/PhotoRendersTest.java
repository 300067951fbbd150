package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.PhotoRenders.Layout;
import dev.fmnist.contract.images.PhotoRenders.Style;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PhotoRendersTest {

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static final byte[] TRAIN = IdxFixtures.realData().train().images();
    /** Renders per style in the tests that sweep seeds: enough to meet every corner of the draws' ranges often. */
    private static final int SEEDS = 40;

    @ParameterizedTest
    @EnumSource(Style.class)
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers(Style style) {
        byte[] first = PhotoRenders.encoded(TRAIN, 0, style, 7);
        assertThat(PhotoRenders.encoded(TRAIN, 0, style, 7)).isEqualTo(first);
        assertThat(PhotoRenders.encoded(TRAIN, 0, style, 8)).isNotEqualTo(first);
        // the same seed on another image is another photo of the same layout
        assertThat(PhotoRenders.encoded(TRAIN, FashionMnist.PIXELS, style, 7)).isNotEqualTo(first);
    }

    @ParameterizedTest
    @EnumSource(Style.class)
    void eachStyleDecodesToItsPromisedKindAndSize(Style style) throws IOException {
        for (int seed = 0; seed < SEEDS; seed++) {
            byte[] bytes = PhotoRenders.encoded(TRAIN, seed * FashionMnist.PIXELS, style, seed);
            assertThat(ImageIO.getImageReaders(ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))).next()
                    .getFormatName().toLowerCase()).isEqualTo(style.format());
            BufferedImage decoded = decode(bytes);
            Layout layout = PhotoRenders.layout(seed);
            assertThat(decoded.getWidth()).isEqualTo(layout.width());
            assertThat(decoded.getHeight()).isEqualTo(layout.height());
            int longSide = Math.max(decoded.getWidth(), decoded.getHeight());
            int shortSide = Math.min(decoded.getWidth(), decoded.getHeight());
            assertThat(longSide).isBetween(PhotoRenders.MIN_LONG_SIDE, PhotoRenders.MAX_LONG_SIDE);
            assertThat(shortSide).isGreaterThanOrEqualTo((int) Math.ceil(PhotoRenders.MIN_ASPECT * longSide));
            assertThat(decoded.getColorModel().hasAlpha()).isEqualTo(style == Style.CUTOUT_PNG);
            assertThat(decoded.getColorModel().getNumColorComponents()).isEqualTo(style == Style.GRAY_JPEG ? 1 : 3);
        }
    }

    @Test
    void imagesHaveTheTypeTheirStyleSays() {
        assertThat(PhotoRenders.image(TRAIN, 0, Style.JPEG, 1).getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(PhotoRenders.image(TRAIN, 0, Style.RGB_PNG, 1).getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(PhotoRenders.image(TRAIN, 0, Style.CUTOUT_PNG, 1).getType()).isEqualTo(BufferedImage.TYPE_INT_ARGB);
        assertThat(PhotoRenders.image(TRAIN, 0, Style.GRAY_JPEG, 1).getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
    }

    @Test
    void layoutsVaryTheCanvasAndPutTheGarmentOffCentreButInside() {
        Set<Boolean> portrait = new HashSet<>();
        int offCentre = 0;
        for (int seed = 0; seed < 200; seed++) {
            Layout layout = PhotoRenders.layout(seed);
            int shortSide = Math.min(layout.width(), layout.height());
            portrait.add(layout.height() > layout.width());
            assertThat(layout.garmentSide()).isBetween((int) Math.floor(PhotoRenders.MIN_GARMENT_SHARE * shortSide),
                    (int) Math.ceil(PhotoRenders.MAX_GARMENT_SHARE * shortSide));
            assertThat(layout.garmentX()).isBetween(0, layout.width() - layout.garmentSide());
            assertThat(layout.garmentY()).isBetween(0, layout.height() - layout.garmentSide());
            int dx = Math.abs(2 * layout.garmentX() + layout.garmentSide() - layout.width());
            int dy = Math.abs(2 * layout.garmentY() + layout.garmentSide() - layout.height());
            if (Math.max(dx, dy) > shortSide / 20) {
                offCentre++;
            }
        }
        assertThat(portrait).containsExactlyInAnyOrder(true, false);
        assertThat(offCentre).isGreaterThan(150);
    }

    @ParameterizedTest
    @EnumSource(value = Style.class, names = {"JPEG", "RGB_PNG", "GRAY_JPEG"})
    void theCornersAreTheLightBackdropAndTheGarmentIsDarker(Style style) throws IOException {
        for (int seed = 0; seed < SEEDS; seed++) {
            int offset = seed * FashionMnist.PIXELS;
            BufferedImage decoded = decode(PhotoRenders.encoded(TRAIN, offset, style, seed));
            int w = decoded.getWidth();
            int h = decoded.getHeight();
            double corners = (patch(decoded, 0, 0) + patch(decoded, w - 4, 0) + patch(decoded, 0, h - 4)
                    + patch(decoded, w - 4, h - 4)) / 4;
            assertThat(corners).as("seed %d corners", seed).isGreaterThan(200);
            for (int[] xy : new int[][] {{0, 0}, {w - 4, 0}, {0, h - 4}, {w - 4, h - 4}}) {
                assertThat(patch(decoded, xy[0], xy[1])).as("seed %d corner %d,%d", seed, xy[0], xy[1]).isGreaterThan(195);
            }
            double garment = meanWhereBright(decoded, PhotoRenders.layout(seed), offset);
            assertThat(garment).as("seed %d garment", seed).isLessThan(corners - 40);
        }
    }

    @Test
    void aCutOutIsTransparentAroundAnOpaqueGarment() throws IOException {
        for (int seed = 0; seed < SEEDS; seed++) {
            int offset = seed * FashionMnist.PIXELS;
            BufferedImage decoded = decode(PhotoRenders.encoded(TRAIN, offset, Style.CUTOUT_PNG, seed));
            int w = decoded.getWidth();
            int h = decoded.getHeight();
            for (int[] xy : new int[][] {{0, 0}, {w - 1, 0}, {0, h - 1}, {w - 1, h - 1}}) {
                assertThat(decoded.getRGB(xy[0], xy[1]) >>> 24).as("seed %d corner alpha", seed).isZero();
            }
            Layout layout = PhotoRenders.layout(seed);
            int opaque = 0;
            int bright = 0;
            for (int j = 0; j < SIDE * SIDE; j++) {
                if ((TRAIN[offset + j] & 0xff) >= 200) {
                    bright++;
                    int[] xy = centre(layout, j);
                    opaque += decoded.getRGB(xy[0], xy[1]) >>> 24 == 255 ? 1 : 0;
                }
            }
            assertThat(opaque).as("seed %d opaque garment pixels", seed).isEqualTo(bright);
            Set<Integer> hidden = new HashSet<>();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = decoded.getRGB(x, y);
                    if (argb >>> 24 == 0) {
                        hidden.add(argb);
                    }
                }
            }
            assertThat(hidden).as("seed %d colours under full transparency", seed).hasSize(1);
        }
    }

    @Test
    void aBlankImageIsTheBackdropAlone() {
        BufferedImage blank = PhotoRenders.image(new byte[FashionMnist.PIXELS], 0, Style.RGB_PNG, 3);
        int darkest = 255;
        for (int y = 0; y < blank.getHeight(); y++) {
            for (int x = 0; x < blank.getWidth(); x++) {
                darkest = Math.min(darkest, luminance(blank.getRGB(x, y)));
            }
        }
        // backdrop at least 215 - 8 (tint) - 4 (half the gradient), noise under 3 levels a channel
        assertThat(darkest).isGreaterThan(PhotoRenders.MIN_BACKGROUND - PhotoRenders.TINT - PhotoRenders.GRADIENT / 2 - 20);
        BufferedImage cutOut = PhotoRenders.image(new byte[FashionMnist.PIXELS], 0, Style.CUTOUT_PNG, 3);
        assertThat(cutOut.getAlphaRaster().getSamples(0, 0, cutOut.getWidth(), cutOut.getHeight(), 0, (int[]) null))
                .containsOnly(0);
    }

    @Test
    void aFixedCanvasKeepsItsSize() throws IOException {
        BufferedImage decoded = decode(PhotoRenders.encoded(TRAIN, 0, Style.JPEG, 5, 640, 640));
        assertThat(decoded.getWidth()).isEqualTo(640);
        assertThat(decoded.getHeight()).isEqualTo(640);
        assertThatThrownBy(() -> PhotoRenders.image(TRAIN, 0, Style.JPEG, 5, 10, 640))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("width: 10 pixels");
    }

    @Test
    void anOffsetWithoutAWholeImageIsRefused() {
        assertThatThrownBy(() -> PhotoRenders.image(new byte[FashionMnist.PIXELS], 1, Style.JPEG, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset 1");
        assertThatThrownBy(() -> PhotoRenders.encoded(TRAIN, -1, Style.JPEG, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset -1");
    }

    @Test
    void stylesGoByTheirIds() {
        for (Style style : Style.values()) {
            assertThat(Style.fromId(style.id())).isEqualTo(style);
        }
        assertThat(Style.values()).extracting(Style::id).containsExactly("jpeg", "rgb-png", "cutout-png", "gray-jpeg");
        assertThatThrownBy(() -> Style.fromId("png")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'png'").hasMessageContaining("jpeg, rgb-png, cutout-png, gray-jpeg");
    }

    @Test
    void theUpscaledGarmentKeepsTheDatasetIntensities() {
        // at an integer factor the bicubic passes close to each source pixel's centre: a level comes back near itself
        int factor = 10;
        float[] square = PhotoRenders.upscale(TRAIN, 0, SIDE * factor);
        double error = 0;
        for (int j = 0; j < SIDE * SIDE; j++) {
            int x = (j % SIDE) * factor + factor / 2;
            int y = (j / SIDE) * factor + factor / 2;
            error += Math.abs(square[y * SIDE * factor + x] * 255 - (TRAIN[j] & 0xff));
        }
        assertThat(error / (SIDE * SIDE)).isLessThan(15);
        for (float t : square) {
            assertThat(t).isBetween(0f, 1f);
        }
    }

    /** The canvas pixel nearest the centre of dataset pixel {@code j}. */
    private static int[] centre(Layout layout, int j) {
        double scale = layout.garmentSide() / (double) SIDE;
        return new int[] {layout.garmentX() + (int) ((j % SIDE + 0.5) * scale),
            layout.garmentY() + (int) ((j / SIDE + 0.5) * scale)};
    }

    /** Mean gray level at the centres of the dataset pixels of level 200 and up. */
    private static double meanWhereBright(BufferedImage image, Layout layout, int offset) {
        GrayImage gray = GrayImage.of(image);
        double sum = 0;
        int count = 0;
        for (int j = 0; j < SIDE * SIDE; j++) {
            if ((TRAIN[offset + j] & 0xff) >= 200) {
                int[] xy = centre(layout, j);
                sum += gray.level(xy[0], xy[1]);
                count++;
            }
        }
        return sum / count;
    }

    /** Mean gray level of the 4x4 patch at {@code x0, y0} (a gray image's samples, not Java 2D's linear-gray RGB). */
    private static double patch(BufferedImage image, int x0, int y0) {
        GrayImage gray = GrayImage.of(image);
        double sum = 0;
        for (int y = y0; y < y0 + 4; y++) {
            for (int x = x0; x < x0 + 4; x++) {
                sum += gray.level(x, y);
            }
        }
        return sum / 16;
    }

    private static int luminance(int rgb) {
        return GrayImage.luminance((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    }

    private static BufferedImage decode(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
