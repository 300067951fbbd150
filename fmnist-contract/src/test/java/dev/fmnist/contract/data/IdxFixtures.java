package dev.fmnist.contract.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small generated idx files for the error cases, and the real data's location. */
public final class IdxFixtures {

    /** Where .ci/run puts the real data (Debian's dataset-fashion-mnist). */
    public static final Path REAL_DATA = FashionMnistLoader.DEBIAN_DIR;

    private IdxFixtures() {}

    public static IdxFile images(int count, long seed) {
        byte[] pixels = new byte[count * FashionMnist.PIXELS];
        new Random(seed).nextBytes(pixels);
        return new IdxFile(new int[] {count, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE}, pixels);
    }

    public static IdxFile labels(int count) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % FashionMnist.CLASSES);
        }
        return new IdxFile(new int[] {count}, labels);
    }

    public static byte[] gzip(byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Path write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real data, read once per JVM; fails with a hint when it is not installed. */
    public static FashionMnist realData() {
        return RealData.DATA;
    }

    private static final class RealData {
        static final FashionMnist DATA = load();

        private static FashionMnist load() {
            if (!Files.isDirectory(REAL_DATA)) {
                throw new IllegalStateException(REAL_DATA + " is missing: run .ci/run, or apt-get install "
                        + "dataset-fashion-mnist, before the tests");
            }
            return FashionMnistLoader.read(REAL_DATA, true);
        }
    }
}
