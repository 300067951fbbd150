package dev.fmnist.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An extra dataset written and read back, and every kind of bad folder refused naming the field and the file. */
class ExtraDatasetTest {

    private static final String FIELD = "extraData.path";

    @TempDir
    Path dir;

    @Test
    void whatIsWrittenIsReadBack() throws IOException {
        FashionMnist.Split split = split(3, 7);

        ExtraDataset.write(dir, split);

        assertThat(ExtraDataset.check(dir, FIELD)).isEqualTo(3);
        FashionMnist.Split read = ExtraDataset.read(dir, FIELD);
        assertThat(read.images()).isEqualTo(split.images());
        assertThat(read.labels()).isEqualTo(split.labels());
        assertThat(dir.resolve("train-images-idx3-ubyte")).hasSize(16 + 3 * 784);
        assertThat(dir.resolve("train-labels-idx1-ubyte")).hasSize(8 + 3);
    }

    @Test
    void badFoldersAreRefusedNamingTheFieldAndTheFile() throws IOException {
        assertRefused(dir.resolve("absent"), "is not a folder");

        Path onlyImages = Files.createDirectories(dir.resolve("only-images"));
        ExtraDataset.write(onlyImages, split(2, 1));
        Files.delete(onlyImages.resolve(ExtraDataset.LABELS));
        assertRefused(onlyImages, ExtraDataset.LABELS + " is missing");

        Path disagree = Files.createDirectories(dir.resolve("disagree"));
        ExtraDataset.write(disagree, split(2, 1));
        Files.write(disagree.resolve(ExtraDataset.LABELS), new IdxFile(new int[] {3}, new byte[] {1, 2, 3}).toBytes());
        assertRefused(disagree, "holds 2 images but train-labels-idx1-ubyte 3 labels");

        Path badLabel = Files.createDirectories(dir.resolve("bad-label"));
        ExtraDataset.write(badLabel, new FashionMnist.Split(new byte[2 * 784], new byte[] {4, 10}));
        assertRefused(badLabel, "label 10 at index 1 is outside 0..9");

        Path wrongSide = Files.createDirectories(dir.resolve("wrong-side"));
        ExtraDataset.write(wrongSide, split(1, 0));
        Files.write(wrongSide.resolve(ExtraDataset.IMAGES), new IdxFile(new int[] {1, 32, 24}, new byte[32 * 24]).toBytes());
        assertRefused(wrongSide, "expected images of 28x28, found 32x24");

        Path truncated = Files.createDirectories(dir.resolve("truncated"));
        ExtraDataset.write(truncated, split(2, 0));
        byte[] images = Files.readAllBytes(truncated.resolve(ExtraDataset.IMAGES));
        Files.write(truncated.resolve(ExtraDataset.IMAGES), Arrays.copyOf(images, images.length - 1));
        assertRefused(truncated, "bytes, its header promises " + (16 + 2 * 784));

        // a forged count is refused from the header alone, before anything is read or allocated
        Path forged = Files.createDirectories(dir.resolve("forged"));
        Files.write(forged.resolve(ExtraDataset.IMAGES), ByteBuffer.allocate(16).putInt(0x803).putInt(Integer.MAX_VALUE)
                .putInt(28).putInt(28).array());
        Files.write(forged.resolve(ExtraDataset.LABELS), ByteBuffer.allocate(8).putInt(0x801).putInt(Integer.MAX_VALUE)
                .array());
        assertRefused(forged, "declares 2147483647 items, expected 1 to 100000");

        Path gzipped = Files.createDirectories(dir.resolve("gz"));
        ExtraDataset.write(gzipped, split(1, 0));
        Files.write(gzipped.resolve(ExtraDataset.IMAGES), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0});
        assertRefused(gzipped, "is not a raw unsigned-byte idx file of rank 3");
    }

    @Test
    void theTrainingReadTakesExactlyTheCheckedSizeAndRefusesAFileThatChangedSince() throws IOException {
        Path file = Files.write(dir.resolve("grown"), new byte[] {1, 2, 3, 4});
        assertThat(ExtraDataset.readExactly(file, 4, FIELD)).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> ExtraDataset.readExactly(file, 3, FIELD)).as("grown since the check")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(FIELD + ": ")
                .hasMessageContaining("changed while it was read");
        assertThatThrownBy(() -> ExtraDataset.readExactly(file, 5, FIELD)).as("shrunk since the check")
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(FIELD + ": ");
    }

    private static void assertRefused(Path folder, String rule) {
        assertThatThrownBy(() -> ExtraDataset.read(folder, FIELD)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(FIELD + ": ").hasMessageContaining(rule);
    }

    private static FashionMnist.Split split(int n, int firstLabel) {
        byte[] images = new byte[n * FashionMnist.PIXELS];
        for (int i = 0; i < images.length; i++) {
            images[i] = (byte) (i * 31);
        }
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) ((firstLabel + i) % FashionMnist.CLASSES);
        }
        return new FashionMnist.Split(images, labels);
    }
}
