package dev.fmnist.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    @Test
    void readsRawAndGzippedAlike() {
        IdxFile images = IdxFixtures.images(3, 1);
        Path raw = IdxFixtures.write(dir.resolve("raw-idx3-ubyte"), images.toBytes());
        Path gz = IdxFixtures.write(dir.resolve("named-without-suffix"), IdxFixtures.gzip(images.toBytes()));

        for (Path file : new Path[] {raw, gz}) {
            IdxFile read = IdxFile.read(file);
            assertThat(read.dimensions()).containsExactly(3, 28, 28);
            assertThat(read.payload()).isEqualTo(images.payload());
        }
    }

    @Test
    void readsTheRealTrainingLabels() {
        IdxFile labels = IdxFile.read(IdxFixtures.realFile(FashionMnistFile.TRAIN_LABELS));
        assertThat(labels.dimensions()).containsExactly(60_000);
        assertThat(labels.payload()[0]).isEqualTo((byte) 9); // the first training image is an ankle boot
    }

    @Test
    void wrongMagicIsNamed() {
        byte[] bytes = IdxFixtures.labels(10).toBytes();
        bytes[2] = 0x0D; // float type instead of unsigned byte
        Path file = IdxFixtures.write(dir.resolve("floats"), bytes);
        assertThatThrownBy(() -> IdxFile.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("wrong magic number 0x00000d01");
    }

    @Test
    void truncatedPayloadIsNamedWithBothSizes() {
        byte[] bytes = IdxFixtures.images(2, 2).toBytes();
        Path file = IdxFixtures.write(dir.resolve("short"), Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> IdxFile.read(file))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("promises 1568 payload bytes but 1468 are there");
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] bytes = IdxFixtures.labels(5).toBytes();
        Path file = IdxFixtures.write(dir.resolve("long"), Arrays.copyOf(bytes, bytes.length + 1));
        assertThatThrownBy(() -> IdxFile.read(file)).hasMessageContaining("trailing garbage");
    }

    @Test
    void truncatedGzipIsNamed() {
        byte[] gz = IdxFixtures.gzip(IdxFixtures.images(20, 3).toBytes());
        Path file = IdxFixtures.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> IdxFile.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated");
    }

    @Test
    void corruptGzipIsNamed() {
        byte[] gz = IdxFixtures.gzip(IdxFixtures.images(20, 4).toBytes());
        for (int i = 20; i < 60; i++) {
            gz[i] ^= (byte) 0x5a;
        }
        Path file = IdxFixtures.write(dir.resolve("corrupt.gz"), gz);
        assertThatThrownBy(() -> IdxFile.read(file))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void headerShorterThanItsRankIsRefused() {
        byte[] bytes = ByteBuffer.allocate(6).putInt(0x00000803).putShort((short) 1).array();
        assertThatThrownBy(() -> IdxFile.parse("tiny", bytes)).hasMessageContaining("header declares 3 dimensions");
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("absent");
        assertThatThrownBy(() -> IdxFile.read(file)).hasMessageContaining(file + ": cannot read");
    }
}
