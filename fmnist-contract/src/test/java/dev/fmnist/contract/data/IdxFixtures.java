package dev.fmnist.contract.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Small generated idx files for the error cases, and the real data, found where the product looks for it
 * ({@link FashionMnistLoader}: {@code $FMNIST_DATA_DIR}, {@code ./data/fashion-mnist}, Debian's directory).
 */
public final class IdxFixtures {

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

    /**
     * The real data, read and checked once per JVM; fails with the loader's hint (where it looked, what to
     * install or set) when it is not there. A test never downloads it.
     */
    public static FashionMnist realData() {
        return RealData.DATA;
    }

    /** The directory the real data was read from. */
    public static Path realDataDir() {
        return Path.of(realData().source());
    }

    /** One file of the real data, gzipped or raw as it was found. */
    public static Path realFile(FashionMnistFile file) {
        return FashionMnistLoader.locate(realDataDir(), file);
    }

    /** One file of the real data as a mirror serves it: gzipped. */
    public static byte[] realGzipped(FashionMnistFile file) {
        Path path = realFile(file);
        try {
            return path.getFileName().toString().equals(file.gzipName()) ? Files.readAllBytes(path)
                    : gzip(IdxFile.decompressedBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class RealData {
        static final FashionMnist DATA = FashionMnistLoader.builder().optDownloadEnabled(false).build().load();
    }
}
