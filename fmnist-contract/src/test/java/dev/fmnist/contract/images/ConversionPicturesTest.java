package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The docs' pictures of the photo conversion (docs/using/photos.md), made by the conversion itself from a
 * render of a test image: the photo, its gray levels, the garment found (its box drawn), and the 28x28 the
 * model reads beside the dataset's own. The test fails when the committed pictures are not what the code
 * makes now; {@code -Dfmnist.docs.update=true} writes them anew.
 */
class ConversionPicturesTest {

    /** The pictures' folder: under -Dfmnist.root, else the contract module's parent (Maven runs tests there). */
    static final Path PICTURES = Path.of(System.getProperty("fmnist.root", ".."), "docs", "images", "conversion");
    /** A coat (test image 6) rendered as a JPEG product photo. */
    static final int TEST_IMAGE = 6;
    static final long SEED = 7;
    static final int PHOTO_WIDTH = 480;
    static final int PHOTO_HEIGHT = 360;
    /** 28x28 pictures are shown this many times larger, pixel for pixel. */
    static final int ENLARGE = 8;
    private static final int SIDE = FashionMnist.IMAGE_SIDE;

    @Test
    void theDocsPicturesAreWhatTheConversionMakes() throws IOException {
        Map<String, BufferedImage> pictures = pictures();
        boolean update = Boolean.getBoolean("fmnist.docs.update");
        if (update) {
            Files.createDirectories(PICTURES);
        }
        for (Map.Entry<String, BufferedImage> picture : pictures.entrySet()) {
            Path file = PICTURES.resolve(picture.getKey() + ".png");
            if (update) {
                ImageIO.write(picture.getValue(), "png", file.toFile());
            }
            assertThat(file).as("run with -Dfmnist.docs.update=true to make it").exists();
            BufferedImage committed = ImageIO.read(file.toFile());
            BufferedImage made = picture.getValue();
            assertThat(committed.getWidth()).as(file.toString()).isEqualTo(made.getWidth());
            assertThat(committed.getHeight()).as(file.toString()).isEqualTo(made.getHeight());
            assertThat(committed.getRGB(0, 0, made.getWidth(), made.getHeight(), null, 0, made.getWidth()))
                    .as("%s is not what the conversion makes now; run with -Dfmnist.docs.update=true", file)
                    .isEqualTo(made.getRGB(0, 0, made.getWidth(), made.getHeight(), null, 0, made.getWidth()));
        }
    }

    static Map<String, BufferedImage> pictures() throws IOException {
        byte[] images = IdxFixtures.realData().test().images();
        byte[] photo = PhotoRenders.encoded(images, TEST_IMAGE * FashionMnist.PIXELS, PhotoRenders.Style.JPEG, SEED,
                PHOTO_WIDTH, PHOTO_HEIGHT);
        BufferedImage decoded = PhotoConversion.decode(photo);
        GrayImage gray = GrayImage.of(decoded);
        PhotoConversion.Background background = PhotoConversion.background(gray);
        int[] intensity = PhotoConversion.intensity(gray, background);
        PhotoConversion.Box garment = PhotoConversion.garment(intensity, gray.width(), gray.height(),
                PhotoConversion.trimThreshold(background, intensity));
        float[] centred = PhotoConversion.fitAndCentre(intensity, gray.width(), garment,
                PhotoConversion.noiseFloor(background));
        byte[] levels = PhotoConversion.stretch(centred);

        Map<String, BufferedImage> pictures = new LinkedHashMap<>();
        pictures.put("1-photo", ImageIO.read(new ByteArrayInputStream(photo)));
        pictures.put("2-gray", gray(gray.width(), gray.height(), gray.levels()));
        BufferedImage trimmed = toRgb(gray(gray.width(), gray.height(), intensity));
        Graphics2D g = trimmed.createGraphics();
        g.setColor(Color.RED);
        g.drawRect(garment.x(), garment.y(), garment.width() - 1, garment.height() - 1);
        g.dispose();
        pictures.put("3-negated-trimmed", trimmed);
        int[] fitted = new int[centred.length];
        for (int i = 0; i < fitted.length; i++) {
            fitted[i] = Math.min(255, Math.round(centred[i]));
        }
        pictures.put("4-fitted-28x28", enlarged(fitted));
        pictures.put("5-model-input-28x28", enlarged(unsigned(levels, 0)));
        pictures.put("6-dataset-original-28x28", enlarged(unsigned(images, TEST_IMAGE * FashionMnist.PIXELS)));
        return pictures;
    }

    private static int[] unsigned(byte[] bytes, int offset) {
        int[] levels = new int[SIDE * SIDE];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = bytes[offset + i] & 0xff;
        }
        return levels;
    }

    private static BufferedImage gray(int width, int height, int[] levels) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setPixels(0, 0, width, height, levels);
        return image;
    }

    private static BufferedImage toRgb(BufferedImage gray) {
        BufferedImage rgb = new BufferedImage(gray.getWidth(), gray.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < gray.getHeight(); y++) {
            for (int x = 0; x < gray.getWidth(); x++) {
                int v = gray.getRaster().getSample(x, y, 0);
                rgb.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        return rgb;
    }

    private static BufferedImage enlarged(int[] levels) {
        int side = SIDE * ENLARGE;
        int[] big = new int[side * side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                big[y * side + x] = levels[(y / ENLARGE) * SIDE + x / ENLARGE];
            }
        }
        return gray(side, side, big);
    }
}
