package dev.fmnist.contract.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A labelled dataset of one's own, in Fashion-MNIST's training-file format: a folder with
 * {@code train-images-idx3-ubyte} ([n, 28, 28] unsigned bytes) and {@code train-labels-idx1-ubyte}
 * ([n], 0..9), raw. {@code fmnist feedback export} writes it; an experiment request's
 * {@code extraData.path} names one, whose images the trainer appends to its training split. Read as
 * hostile input: the sizes are checked before a byte is read, and every refusal names the field the
 * caller gives and the file.
 */
public final class ExtraDataset {

    public static final String IMAGES = FashionMnistFile.TRAIN_IMAGES.stem();
    public static final String LABELS = FashionMnistFile.TRAIN_LABELS.stem();
    /** The most images an extra dataset may hold: as many as the export writes by default. */
    public static final int MAX_IMAGES = 100_000;
    private static final int IMAGES_HEADER = 16;
    private static final int LABELS_HEADER = 8;

    private ExtraDataset() {}

    /** Writes {@code split} into {@code dir} (which must exist) as the two raw idx files. */
    public static void write(Path dir, FashionMnist.Split split) throws IOException {
        int n = split.size();
        Files.write(dir.resolve(IMAGES), new IdxFile(new int[] {n, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE},
                split.images()).toBytes());
        Files.write(dir.resolve(LABELS), new IdxFile(new int[] {n}, split.labels()).toBytes());
    }

    /**
     * Checks that {@code dir} holds an extra dataset without reading its images: both files are there, regular, of the
     * sizes their headers promise, within {@link #MAX_IMAGES}, and every label is 0..9; returns the number of images. Refusals are
     * {@link IllegalArgumentException}s starting with {@code field}.
     */
    public static int check(Path dir, String field) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(field + ": " + dir + " is not a folder (expected one with " + IMAGES
                    + " and " + LABELS + ", as 'fmnist feedback export' writes)");
        }
        Path images = file(dir, IMAGES, field);
        Path labels = file(dir, LABELS, field);
        int count = count(labels, LABELS_HEADER, 1, field);
        int imageCount = count(images, IMAGES_HEADER, FashionMnist.PIXELS, field);
        if (count != imageCount) {
            throw new IllegalArgumentException(field + ": " + images.getFileName() + " holds " + imageCount
                    + " images but " + labels.getFileName() + " " + count + " labels");
        }
        byte[] read;
        try {
            read = Files.readAllBytes(labels); // at most MAX_IMAGES bytes: its size was checked
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": cannot read " + labels + " (" + e.getMessage() + ")", e);
        }
        for (int i = LABELS_HEADER; i < read.length; i++) {
            if ((read[i] & 0xff) >= FashionMnist.CLASSES) {
                throw new IllegalArgumentException(field + ": " + labels + ": label " + (read[i] & 0xff) + " at index "
                        + (i - LABELS_HEADER) + " is outside 0.." + (FashionMnist.CLASSES - 1));
            }
        }
        return count;
    }

    /** Reads and checks the dataset in {@code dir}: shape [n, 28, 28], labels 0..9, counts agree, at most {@link #MAX_IMAGES}. */
    public static FashionMnist.Split read(Path dir, String field) {
        int count = check(dir, field);
        try {
            Path images = dir.resolve(IMAGES);
            Path labels = dir.resolve(LABELS);
            // the files may have changed since the check: read exactly what it measured, no more
            byte[] imageBytes = readExactly(images, IMAGES_HEADER + (long) count * FashionMnist.PIXELS, field);
            byte[] labelBytes = readExactly(labels, LABELS_HEADER + (long) count, field);
            return FashionMnist.split(images.toString(), IdxFile.parse(images.toString(), imageBytes),
                    labels.toString(), IdxFile.parse(labels.toString(), labelBytes));
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": cannot read " + dir + " (" + e.getMessage() + ")", e);
        } catch (DatasetException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    /** Exactly {@code size} bytes of {@code file}, opened once: shorter or longer (it changed) is refused. */
    static byte[] readExactly(Path file, long size, String field) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) size); // at most MAX_IMAGES images: check() bounded it
            if (bytes.length != size || in.read() != -1) {
                throw new IllegalArgumentException(field + ": " + file + " changed while it was read (expected "
                        + size + " bytes)");
            }
            return bytes;
        }
    }

    private static Path file(Path dir, String name, String field) {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(field + ": " + file + " is missing (an extra dataset is a folder with "
                    + IMAGES + " and " + LABELS + ", raw idx)");
        }
        return file;
    }

    /**
     * The count the header of {@code file} declares, once its size is exactly the header and {@code itemBytes} per
     * item: a forged count reads nothing.
     */
    private static int count(Path file, int headerBytes, int itemBytes, String field) {
        long size;
        byte[] header = new byte[headerBytes];
        try (var in = Files.newInputStream(file)) {
            size = Files.size(file);
            if (in.readNBytes(header, 0, headerBytes) != headerBytes) {
                throw new IllegalArgumentException(field + ": " + file + " is too short for an idx header");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(field + ": cannot read " + file + " (" + e.getMessage() + ")", e);
        }
        int rank = header[3] & 0xff;
        int expectedRank = itemBytes == 1 ? 1 : 3;
        if (header[0] != 0 || header[1] != 0 || (header[2] & 0xff) != 0x08 || rank != expectedRank) {
            throw new IllegalArgumentException(field + ": " + file + " is not a raw unsigned-byte idx file of rank "
                    + expectedRank);
        }
        int count = readInt(header, 4);
        if (expectedRank == 3 && (readInt(header, 8) != FashionMnist.IMAGE_SIDE
                || readInt(header, 12) != FashionMnist.IMAGE_SIDE)) {
            throw new IllegalArgumentException(field + ": " + file + ": expected images of 28x28, found "
                    + readInt(header, 8) + "x" + readInt(header, 12));
        }
        if (count < 1 || count > MAX_IMAGES) {
            throw new IllegalArgumentException(field + ": " + file + " declares " + count + " items, expected 1 to "
                    + MAX_IMAGES);
        }
        long expected = headerBytes + (long) count * itemBytes;
        if (size != expected) {
            throw new IllegalArgumentException(field + ": " + file + " is " + size + " bytes, its header promises "
                    + expected);
        }
        return count;
    }

    private static int readInt(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 24) | ((bytes[at + 1] & 0xff) << 16) | ((bytes[at + 2] & 0xff) << 8)
                | (bytes[at + 3] & 0xff);
    }
}
