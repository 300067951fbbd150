package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Each step of the photo conversion on its own, then all of them on a drawn photo. */
class PhotoConversionTest {

    private static final int SIDE = 28;

    @Test
    void grayIsLuminanceAndKeepsAGrayLevelExactly() {
        for (int v = 0; v <= 255; v++) {
            assertThat(GrayImage.luminance(v, v, v)).isEqualTo(v);
        }
        assertThat(GrayImage.luminance(255, 0, 0)).isEqualTo(76);
        assertThat(GrayImage.luminance(0, 255, 0)).isEqualTo(150);
        assertThat(GrayImage.luminance(0, 0, 255)).isEqualTo(29);
    }

    @Test
    void grayOfAGrayImageIsItsStoredLevelsNotJava2dsLinearGray() {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(0, 0, 0, 128);
        image.getRaster().setSample(1, 0, 0, 7);
        GrayImage gray = GrayImage.of(image);
        assertThat(gray.levels()).containsExactly(128, 7);
        assertThat(gray.transparent()).isFalse();
    }

    @Test
    void transparencyIsCompositedOnWhite() {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x00000000); // transparent black: white
        image.setRGB(1, 0, 0xff000000); // opaque black
        image.setRGB(2, 0, 0x80000000); // half-transparent black: mid gray
        GrayImage gray = GrayImage.of(image);
        assertThat(gray.transparent()).isTrue();
        assertThat(gray.levels()[0]).isEqualTo(255);
        assertThat(gray.levels()[1]).isZero();
        assertThat(gray.levels()[2]).isBetween(126, 128);
    }

    @Test
    void paletteAndSixteenBitImagesAreReadToo() {
        BufferedImage palette = new BufferedImage(1, 1, BufferedImage.TYPE_BYTE_INDEXED);
        palette.setRGB(0, 0, 0xffffffff);
        assertThat(GrayImage.of(palette).levels()).containsExactly(255);
        BufferedImage wide = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_GRAY);
        wide.getRaster().setSample(0, 0, 0, 65535);
        assertThat(GrayImage.of(wide).levels()).containsExactly(255);
    }

    @Test
    void backgroundIsTheBordersMedianWithItsNoise() {
        int[] levels = new int[10 * 10];
        Arrays.fill(levels, 240);
        levels[0] = 0; // one dark corner pixel does not move the median
        levels[5 * 10 + 5] = 0; // the interior is not the border
        PhotoConversion.Background flat = PhotoConversion.background(new GrayImage(10, 10, levels, false));
        assertThat(flat.level()).isEqualTo(240);
        assertThat(flat.light()).isTrue();
        assertThat(flat.noise()).isZero();

        Random random = new Random(1);
        int[] noisy = new int[100 * 100];
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] = (int) Math.round(30 + 4 * random.nextGaussian());
        }
        PhotoConversion.Background dark = PhotoConversion.background(new GrayImage(100, 100, noisy, false));
        assertThat(dark.light()).isFalse();
        assertThat(dark.level()).isBetween(29, 31);
        assertThat(dark.noise()).isCloseTo(4, within(1.0));
    }

    @Test
    void aBackdropsGradientIsAPlaneNotGarment() {
        // lighter at the top-left, 30 levels darker at the bottom, 10 at the right; a garment inside
        int w = 200;
        int h = 150;
        int[] levels = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                levels[y * w + x] = (int) Math.round(245 - 30.0 * y / (h - 1) - 10.0 * x / (w - 1));
            }
        }
        for (int y = 40; y < 110; y++) {
            for (int x = 60; x < 120; x++) {
                levels[y * w + x] = 60;
            }
        }
        GrayImage image = new GrayImage(w, h, levels, false);
        PhotoConversion.Background background = PhotoConversion.background(image);
        assertThat(background.slopeY()).isCloseTo(-30.0 / (h - 1), within(0.01));
        assertThat(background.slopeX()).isCloseTo(-10.0 / (w - 1), within(0.01));
        assertThat(background.levelAt(0, 0)).isCloseTo(245, within(1.0));
        int[] intensity = PhotoConversion.intensity(image, background);
        assertThat(intensity[(h - 1) * w + w - 1]).as("the darkest corner is background").isLessThanOrEqualTo(1);
        assertThat(PhotoConversion.garment(intensity, w, h, PhotoConversion.trimThreshold(background, intensity)))
                .isEqualTo(new PhotoConversion.Box(60, 40, 60, 70));
    }

    @Test
    void aSoftShadowUnderADarkGarmentIsNotTrimmedIn() {
        int w = 200;
        int h = 200;
        int[] intensity = new int[w * h];
        for (int y = 20; y < 150; y++) {
            for (int x = 50; x < 150; x++) {
                intensity[y * w + x] = 180; // the garment
            }
        }
        for (int y = 150; y < 190; y++) {
            for (int x = 30; x < 170; x++) {
                intensity[y * w + x] = 25; // its shadow on the floor, above the fuzz
            }
        }
        PhotoConversion.Background flat = new PhotoConversion.Background(240, 0);
        assertThat(PhotoConversion.trimThreshold(flat, intensity)).isEqualTo(54);
        assertThat(PhotoConversion.garment(intensity, w, h, PhotoConversion.trimThreshold(flat, intensity)))
                .isEqualTo(new PhotoConversion.Box(50, 20, 100, 130));
        assertThat(PhotoConversion.garment(intensity, w, h, PhotoConversion.trimThreshold(flat)))
                .as("with the fuzz alone the shadow would count").isEqualTo(new PhotoConversion.Box(30, 20, 140, 170));
    }

    @Test
    void intensityNegatesALightBackgroundAndKeepsADarkOne() {
        GrayImage light = new GrayImage(3, 1, new int[] {240, 40, 250}, false);
        assertThat(PhotoConversion.intensity(light, new PhotoConversion.Background(240, 0))).containsExactly(0, 200, 0);
        GrayImage dark = new GrayImage(3, 1, new int[] {10, 210, 0}, false);
        assertThat(PhotoConversion.intensity(dark, new PhotoConversion.Background(10, 0))).containsExactly(0, 200, 0);
    }

    @Test
    void trimFindsTheGarmentAndIgnoresNoiseSpecksAndFaintLevels() {
        int w = 200;
        int h = 100;
        int[] intensity = new int[w * h];
        for (int y = 20; y < 60; y++) {
            for (int x = 50; x < 130; x++) {
                intensity[y * w + x] = 150;
            }
        }
        intensity[5 * w + 5] = 255; // a speck: one pixel in its row and column
        intensity[90 * w + 190] = 10; // below the fuzz
        assertThat(PhotoConversion.garment(intensity, w, h, PhotoConversion.TRIM_FUZZ))
                .isEqualTo(new PhotoConversion.Box(50, 20, 80, 40));
        assertThat(PhotoConversion.garment(new int[w * h], w, h, PhotoConversion.TRIM_FUZZ))
                .as("a blank photo keeps its frame").isEqualTo(new PhotoConversion.Box(0, 0, w, h));
        assertThat(PhotoConversion.trimThreshold(new PhotoConversion.Background(240, 10))).isEqualTo(40);
        assertThat(PhotoConversion.trimThreshold(new PhotoConversion.Background(240, 0)))
                .isEqualTo(PhotoConversion.TRIM_FUZZ);
    }

    @Test
    void fitKeepsTheAspectAveragesTheAreaAndCentres() {
        // a 40x80 garment of uniform 200 inside a 60x100 image: fitted to 14x28, centred at x 7
        int w = 60;
        int[] intensity = new int[w * 100];
        for (int y = 10; y < 90; y++) {
            for (int x = 10; x < 50; x++) {
                intensity[y * w + x] = 200;
            }
        }
        float[] canvas = PhotoConversion.fitAndCentre(intensity, w, new PhotoConversion.Box(10, 10, 40, 80), 0);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                float expected = x >= 7 && x < 21 ? 200 : 0;
                assertThat(canvas[y * SIDE + x]).as("(%d, %d)", x, y).isCloseTo(expected, within(1e-3f));
            }
        }
        // a one-pixel-wide line of a 280-pixel image averages into its 28x28 pixel: 1/10 of its level
        int[] line = new int[280 * 280];
        for (int y = 0; y < 280; y++) {
            line[y * 280 + 5] = 250;
        }
        float[] thin = PhotoConversion.fitAndCentre(line, 280, new PhotoConversion.Box(0, 0, 280, 280), 0);
        assertThat(thin[3 * SIDE]).isCloseTo(25, within(1e-3f));
        // the noise floor comes off before fitting
        float[] floored = PhotoConversion.fitAndCentre(intensity, w, new PhotoConversion.Box(10, 10, 40, 80), 50);
        assertThat(floored[14 * SIDE + 14]).isCloseTo(150, within(1e-3f));
    }

    @Test
    void aSmallGarmentIsGrownToTheFullSide() {
        int[] intensity = new int[7 * 7];
        Arrays.fill(intensity, 100);
        float[] canvas = PhotoConversion.fitAndCentre(intensity, 7, new PhotoConversion.Box(0, 0, 7, 7), 0);
        for (float v : canvas) {
            assertThat(v).isCloseTo(100, within(1e-3f));
        }
    }

    @Test
    void stretchPutsTheBrightestAt255AndKeepsBlack() {
        float[] intensities = new float[SIDE * SIDE];
        intensities[0] = 100;
        intensities[1] = 50;
        byte[] levels = PhotoConversion.stretch(intensities);
        assertThat(levels[0] & 0xff).isEqualTo(255);
        assertThat(levels[1] & 0xff).isEqualTo(128);
        assertThat(levels[2]).isZero();
        assertThat(PhotoConversion.stretch(new float[SIDE * SIDE])).containsOnly((byte) 0);
    }

    @Test
    void aDarkGarmentOnAStudioBackgroundBecomesALightGarmentOnBlackFillingTheSide() {
        BufferedImage photo = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = photo.createGraphics();
        g.setColor(new Color(236, 238, 240));
        g.fillRect(0, 0, 400, 300);
        g.setColor(new Color(40, 60, 120)); // a navy garment, 100 wide and 200 tall, off-centre
        g.fillRect(250, 50, 100, 200);
        g.dispose();
        PhotoConversion.Result result = PhotoConversion.convert(GrayImage.of(photo));
        assertThat(result.background().light()).isTrue();
        assertThat(result.garment()).isEqualTo(new PhotoConversion.Box(250, 50, 100, 200));
        byte[] levels = result.levels();
        // 14x28 of 255 centred (x 7..20), black elsewhere
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                assertThat(levels[y * SIDE + x] & 0xff).as("(%d, %d)", x, y).isEqualTo(x >= 7 && x < 21 ? 255 : 0);
            }
        }
    }

    @Test
    void aBlankPhotoWithNoiseIsAllBlackNotStretchedNoise() {
        Random random = new Random(3);
        int[] levels = new int[200 * 150];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = (int) Math.round(240 + 2 * random.nextGaussian());
        }
        assertThat(PhotoConversion.convert(new GrayImage(200, 150, levels, false)).levels()).containsOnly((byte) 0);
    }

    @Test
    void aDatasetStyleImageKeepsItsShape() {
        // a light garment on black touching the top and bottom: already trimmed vertically, centred
        int[] levels = new int[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 9; x < 19; x++) {
                levels[y * SIDE + x] = 255;
            }
        }
        PhotoConversion.Result result = PhotoConversion.convert(new GrayImage(SIDE, SIDE, levels, false));
        assertThat(result.background().light()).isFalse();
        byte[] expected = new byte[SIDE * SIDE];
        for (int i = 0; i < levels.length; i++) {
            expected[i] = (byte) levels[i];
        }
        assertThat(result.levels()).isEqualTo(expected);
    }
}
