package dev.fmnist.loadgen;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.images.GrayImage;
import dev.fmnist.contract.images.PhotoConversion;
import dev.fmnist.contract.images.PhotoRenders;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What the photo conversion of an encoded image costs, one thread, as the server runs it: the decode
 * (format and size from the header first, then the pixels read with source subsampling by
 * {@code max(1, max(w, h) / 224)} on both axes) and the conversion ({@link GrayImage#of} and
 * {@link PhotoConversion#convert}) of product-photo renders of the test images at a fixed size. Every
 * image is timed step by step; prints the median, p90 and mean per image of each step and of both.
 * Run by {@code bench/photo-conversion.sh}.
 */
@Command(name = "conversion-benchmark", mixinStandardHelpOptions = true,
        description = "Time the decode and photo conversion of encoded product-photo renders, one thread.")
public final class ConversionBenchmark implements Callable<Integer> {

    /** The header check: a larger image is refused before a pixel is decoded (the server's default limit). */
    static final int MAX_SIDE = 4096;
    private static final double NANOS_PER_MS = 1e6;
    private static final double P90 = 0.9;

    @Spec
    CommandSpec spec;

    @Option(names = "--images", defaultValue = "2000", description = "images timed (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--warmup", defaultValue = "2000",
            description = "decodes and conversions first, untimed, for the JIT (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--side", defaultValue = "640", description = "the renders' width and height (default: ${DEFAULT-VALUE})")
    int side;

    @Option(names = "--style", defaultValue = "jpeg",
            description = "jpeg, rgb-png, cutout-png or gray-jpeg (default: ${DEFAULT-VALUE})")
    String style;

    @Option(names = "--seed", defaultValue = "0", description = "test image i is rendered with seed + i (default: ${DEFAULT-VALUE})")
    long seed;

    public static void main(String... args) {
        System.exit(new CommandLine(new ConversionBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PhotoRenders.Style renderStyle;
        try {
            renderStyle = PhotoRenders.Style.fromId(style);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--style: " + e.getMessage());
        }
        if (images < 1 || warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--images must be at least 1 and --warmup at least 0");
        }
        FashionMnist.Split test = FashionMnistLoader.builder().build().load().test();
        // rendered before anything is timed, in parallel: each render depends on its seed alone
        byte[][] encoded = IntStream.range(0, images).parallel().mapToObj(i -> PhotoRenders.encoded(test.images(),
                (i % test.size()) * FashionMnist.PIXELS, renderStyle, seed + i, side, side)).toArray(byte[][]::new);
        long bytes = Arrays.stream(encoded).mapToLong(b -> b.length).sum();
        BufferedImage sample = decode(encoded[0], false);
        System.out.printf("%d %dx%d %s renders of the test images (%.1f KB on average), read as %dx%d; %d timed after %d"
                + " warm-up, one thread; ms per image%n", images, side, side, renderStyle.id(), bytes / 1024.0 / images,
                sample.getWidth(), sample.getHeight(), images, warmup);

        for (int i = 0; i < warmup; i++) {
            byte[] image = encoded[i % images];
            PhotoConversion.convert(GrayImage.of(decode(image, false)));
            decode(image, true);
        }
        long[] decodeNanos = new long[images];
        long[] convertNanos = new long[images];
        long[] bothNanos = new long[images];
        long[] fileCacheNanos = new long[images];
        int checksum = 0;
        for (int i = 0; i < images; i++) {
            long start = System.nanoTime();
            BufferedImage decoded = decode(encoded[i], false);
            long read = System.nanoTime();
            PhotoConversion.Result result = PhotoConversion.convert(GrayImage.of(decoded));
            long converted = System.nanoTime();
            checksum += result.levels()[FashionMnist.PIXELS / 2]; // the result is used: nothing for the JIT to drop
            decodeNanos[i] = read - start;
            convertNanos[i] = converted - read;
            bothNanos[i] = converted - start;
        }
        for (int i = 0; i < images; i++) {
            long start = System.nanoTime();
            checksum += decode(encoded[i], true).getWidth();
            fileCacheNanos[i] = System.nanoTime() - start;
        }
        System.out.printf("%-62s %8s %8s %8s%n", "step", "median", "p90", "mean");
        print("decode (header check, subsampled read), in-memory stream", decodeNanos);
        print("convert (GrayImage.of + PhotoConversion.convert)", convertNanos);
        print("decode + convert", bothNanos);
        print("decode through ImageIO.createImageInputStream (file cache)", fileCacheNanos);
        System.err.println("checksum " + checksum);
        return 0;
    }

    private static void print(String step, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%-62s %8.3f %8.3f %8.3f%n", step, sorted[sorted.length / 2] / NANOS_PER_MS,
                sorted[(int) (sorted.length * P90)] / NANOS_PER_MS, Arrays.stream(sorted).average().orElse(0) / NANOS_PER_MS);
    }

    /**
     * The server's decode: the reader from the stream's first bytes, the size from the header (refused
     * above {@link #MAX_SIDE}), then the pixels subsampled by {@code max(1, max(w, h) / 224)} on both axes.
     * {@code imageIoStream} reads through {@link ImageIO#createImageInputStream}, which with ImageIO's
     * cache on (its default) copies the bytes into a temporary file first; otherwise a memory-cached stream.
     */
    static BufferedImage decode(byte[] bytes, boolean imageIoStream) throws IOException {
        ByteArrayInputStream source = new ByteArrayInputStream(bytes);
        try (ImageInputStream in = imageIoStream ? ImageIO.createImageInputStream(source)
                : new MemoryCacheImageInputStream(source)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a decodable image (" + bytes.length + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > MAX_SIDE || height > MAX_SIDE) {
                    throw new IOException("the image is " + width + "x" + height + "; at most " + MAX_SIDE + " a side");
                }
                return PhotoConversion.readSubsampled(reader);
            } finally {
                reader.dispose();
            }
        }
    }
}
