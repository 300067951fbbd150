package dev.fmnist.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistLoaderTest {

    @TempDir
    Path dir;

    @Test
    void realDataHasTheOfficialShapeAndBalancedClasses() {
        FashionMnist data = IdxFixtures.realData();
        assertThat(data.train().size()).isEqualTo(60_000);
        assertThat(data.test().size()).isEqualTo(10_000);
        int[] perClass = new int[FashionMnist.CLASSES];
        for (byte label : data.test().labels()) {
            perClass[label]++;
        }
        assertThat(perClass).containsOnly(1000);
    }

    @Test
    void configuredDirectoryComesFirst() {
        writeSet(dir, 30, 30, false);
        FashionMnist data = FashionMnistLoader.builder().optDataDir(dir).optVerifyChecksums(false)
                .optDownloadEnabled(false).build().load();
        assertThat(data.source()).isEqualTo(dir.toString());
        assertThat(data.train().size()).isEqualTo(30);
    }

    @Test
    void fallsBackToTheDebianDirectory() {
        FashionMnist data = FashionMnistLoader.builder().optDataDir(dir.resolve("empty")).optEnvironmentDir("")
                .optDownloadEnabled(false).build().load();
        assertThat(data.source()).isIn(FashionMnistLoader.LOCAL_DIR.toString(), FashionMnistLoader.DEBIAN_DIR.toString());
        assertThat(data.train().size()).isEqualTo(60_000);
    }

    @Test
    void filesThatAreNotTheOfficialOnesAreRefusedByChecksum() {
        writeSet(dir, 30, 30, true);
        assertThatThrownBy(() -> FashionMnistLoader.read(dir, true))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(dir.resolve("train-images-idx3-ubyte.gz").toString())
                .hasMessageContaining("sha256 of the decompressed content")
                .hasMessageContaining(FashionMnistFile.TRAIN_IMAGES.contentSha256());
    }

    @Test
    void imageAndLabelCountsMustAgree() {
        writeSet(dir, 30, 29, false);
        assertThatThrownBy(() -> FashionMnistLoader.read(dir, false))
                .hasMessageContaining("train-images-idx3-ubyte has 30 images but")
                .hasMessageContaining("train-labels-idx1-ubyte has 29 labels");
    }

    @Test
    void labelsOutsideTheTenClassesAreRefused() {
        writeSet(dir, 10, 10, false);
        IdxFile labels = IdxFixtures.labels(10);
        labels.payload()[7] = 12;
        IdxFixtures.write(dir.resolve("t10k-labels-idx1-ubyte"), labels.toBytes());
        assertThatThrownBy(() -> FashionMnistLoader.read(dir, false))
                .hasMessageContaining("t10k-labels-idx1-ubyte: label 12 at index 7 is outside 0..9");
    }

    @Test
    void aMissingFileIsNamed() {
        assertThatThrownBy(() -> FashionMnistLoader.read(dir, false))
                .hasMessageContaining("train-images-idx3-ubyte(.gz): not found");
    }

    @Test
    void limitKeepsThePrefix() {
        FashionMnist data = IdxFixtures.realData().limitTrain(100);
        assertThat(data.train().size()).isEqualTo(100);
        assertThat(data.train().labels()[0]).isEqualTo(IdxFixtures.realData().train().labels()[0]);
        assertThat(data.test().size()).isEqualTo(10_000);
    }

    /** Train files gzipped, test files raw, as a user's directory might mix them. */
    private static void writeSet(Path dir, int images, int labels, boolean gzipTrain) {
        byte[] trainImages = IdxFixtures.images(images, 7).toBytes();
        byte[] trainLabels = IdxFixtures.labels(labels).toBytes();
        if (gzipTrain) {
            IdxFixtures.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxFixtures.gzip(trainImages));
            IdxFixtures.write(dir.resolve("train-labels-idx1-ubyte.gz"), IdxFixtures.gzip(trainLabels));
        } else {
            IdxFixtures.write(dir.resolve("train-images-idx3-ubyte"), trainImages);
            IdxFixtures.write(dir.resolve("train-labels-idx1-ubyte"), trainLabels);
        }
        IdxFixtures.write(dir.resolve("t10k-images-idx3-ubyte"), IdxFixtures.images(10, 8).toBytes());
        IdxFixtures.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxFixtures.labels(10).toBytes());
    }
}
