package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The example photos the docs tell a newcomer to classify ({@code fmnist classify docs/examples/photos/*}):
 * renders of test images, each named after its image's class, made by {@link PhotoRenders} with fixed
 * seeds. The test fails when a committed photo is not what the renders make now, when its name is not the
 * labelled class of the test image it renders, or when the folder holds a photo it does not make; {@code
 * -Dfmnist.docs.update=true} writes them anew.
 */
class ExamplePhotosTest {

    /** The photos' folder: under -Dfmnist.root, else the contract module's parent (Maven runs tests there). */
    static final Path PHOTOS = Path.of(System.getProperty("fmnist.root", ".."), "docs", "examples", "photos");
    /** Kept small: they are in the repository and a newcomer's first download. */
    static final long MAX_BYTES = 60 * 1024;

    /**
     * One example photo.
     *
     * @param testImage the index of the rendered image in the test split
     * @param style how it is rendered and encoded
     * @param seed the render's seed
     * @param width the canvas' width in pixels
     * @param height the canvas' height in pixels
     */
    record Example(int testImage, PhotoRenders.Style style, long seed, int width, int height) {

        /** The file name: the image's class in lower case with dashes, and the style's extension. */
        String fileName(byte[] labels) {
            String className = FashionMnist.CLASS_NAMES[labels[testImage]];
            String extension = style.format().equals("jpeg") ? "jpg" : "png";
            return className.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "." + extension;
        }
    }

    /** An ankle boot and a dress as JPEG product photos, a bag as a PNG cut-out on transparency. */
    static final List<Example> EXAMPLES = List.of(
            new Example(0, PhotoRenders.Style.JPEG, 11, 480, 360),
            new Example(13, PhotoRenders.Style.JPEG, 12, 360, 480),
            new Example(18, PhotoRenders.Style.CUTOUT_PNG, 13, 280, 280));

    @Test
    void theExamplePhotosAreWhatTheRendersMake() throws IOException {
        FashionMnist.Split test = IdxFixtures.realData().test();
        boolean update = Boolean.getBoolean("fmnist.docs.update");
        if (update) {
            Files.createDirectories(PHOTOS);
        }
        for (Example example : EXAMPLES) {
            Path file = PHOTOS.resolve(example.fileName(test.labels()));
            byte[] made = PhotoRenders.encoded(test.images(), example.testImage() * FashionMnist.PIXELS,
                    example.style(), example.seed(), example.width(), example.height());
            if (update) {
                Files.write(file, made);
            }
            assertThat(file).as("run with -Dfmnist.docs.update=true to make it").exists();
            assertThat(Files.size(file)).as(file.toString()).isLessThanOrEqualTo(MAX_BYTES);
            // pixels, as the conversion pictures are checked: a PNG's bytes also hold the writer's choices
            BufferedImage committed = ImageIO.read(file.toFile());
            BufferedImage expected = ImageIO.read(new ByteArrayInputStream(made));
            assertThat(committed.getWidth()).as(file.toString()).isEqualTo(example.width());
            assertThat(committed.getHeight()).as(file.toString()).isEqualTo(example.height());
            assertThat(committed.getRGB(0, 0, example.width(), example.height(), null, 0, example.width()))
                    .as("%s is not what the renders make now; run with -Dfmnist.docs.update=true", file)
                    .isEqualTo(expected.getRGB(0, 0, example.width(), example.height(), null, 0, example.width()));
        }
        List<String> names = EXAMPLES.stream().map(example -> example.fileName(test.labels())).sorted().toList();
        try (var files = Files.list(PHOTOS)) {
            assertThat(files.map(file -> file.getFileName().toString()).sorted().toList())
                    .as("every photo in %s is one this test makes", PHOTOS)
                    .isEqualTo(names);
        }
    }
}
