package dev.fmnist.cli.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.contract.data.DatasetException;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFile;
import dev.fmnist.proto.v1.Image;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Images to classify from files: PNG/JPEG as they are (the service decodes them), idx files image by image. */
public final class ImageFiles {

    /**
     * One image and where it came from, e.g. {@code shirt.png} or {@code t10k-images-idx3-ubyte.gz#17}; {@code stem}
     * names files written about it ({@code shirt}, {@code t10k-images-idx3-ubyte-17}): the file name without its
     * extension, and the image's index in an idx file.
     */
    public record NamedImage(String name, String stem, Image image) {}

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};
    private static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8};

    private ImageFiles() {}

    /** Every image of every file, at most {@code limit} per idx file (0: all). */
    public static List<NamedImage> read(List<Path> files, int limit) {
        List<NamedImage> images = new ArrayList<>();
        for (Path file : files) {
            byte[] head = head(file);
            if (startsWith(head, PNG) || startsWith(head, JPEG)) {
                images.add(new NamedImage(file.getFileName().toString(), stem(file), Image.newBuilder()
                        .setEncoded(ByteString.copyFrom(readAll(file))).build()));
            } else {
                IdxFile idx = idx(file);
                int[] dims = idx.dimensions();
                if (dims.length != 3 || dims[1] != FashionMnist.IMAGE_SIDE || dims[2] != FashionMnist.IMAGE_SIDE) {
                    throw new CliException(ExitCode.USAGE, file + ": an idx file of " + Arrays.toString(dims)
                            + ", expected images of 28x28 ([n, 28, 28])");
                }
                int n = limit > 0 ? Math.min(limit, idx.count()) : idx.count();
                for (int i = 0; i < n; i++) {
                    images.add(new NamedImage(file.getFileName() + "#" + i, stem(file) + "-" + i, Image.newBuilder()
                            .setRawUint8(ByteString.copyFrom(idx.payload(), i * FashionMnist.PIXELS, FashionMnist.PIXELS))
                            .build()));
                }
            }
        }
        return images;
    }

    /** The labels of an idx labels file ([n]), each checked to be a class. */
    public static byte[] labels(Path file, int expected) {
        IdxFile idx = idx(file);
        if (idx.dimensions().length != 1 || idx.count() < expected) {
            throw new CliException(ExitCode.USAGE, file + ": expected an idx labels file of at least " + expected
                    + " labels, got dimensions " + Arrays.toString(idx.dimensions()));
        }
        byte[] labels = idx.payload();
        for (int i = 0; i < expected; i++) {
            int label = Byte.toUnsignedInt(labels[i]);
            if (label >= FashionMnist.CLASSES) {
                throw new CliException(ExitCode.USAGE, file + ": label " + i + " is " + label + ", expected a class index 0.."
                        + (FashionMnist.CLASSES - 1));
            }
        }
        return labels;
    }

    /** The file's name without its last extension ({@code shirt.png}: {@code shirt}); a name that is all extension stays whole. */
    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static IdxFile idx(Path file) {
        try {
            return IdxFile.read(file);
        } catch (DatasetException e) {
            throw new CliException(ExitCode.USAGE, "not a PNG, JPEG or idx file: " + e.getMessage(), e);
        }
    }

    private static byte[] head(Path file) {
        try (var in = Files.newInputStream(file)) {
            return in.readNBytes(4);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, file + ": " + (e instanceof NoSuchFileException
                    ? "no such file" : e.getMessage()), e);
        }
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, file + ": " + e.getMessage(), e);
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
