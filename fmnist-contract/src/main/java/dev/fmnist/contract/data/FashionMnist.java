package dev.fmnist.contract.data;

import dev.fmnist.contract.fields.RequestFields;
import java.util.Arrays;
import java.util.Random;

/**
 * Fashion-MNIST held in memory as the idx files' own bytes: images row-major uint8, labels 0..9.
 *
 * @param train the 60,000 training images (or a prefix of them, see {@link #limitTrain(int)})
 * @param test the 10,000 test images
 * @param source where the files were read from, for logs and manifests
 */
public record FashionMnist(Split train, Split test, String source) {

    public static final int IMAGE_SIDE = 28;
    public static final int PIXELS = IMAGE_SIDE * IMAGE_SIDE;
    public static final int CLASSES = 10;

    /** Class names by index, as the dataset's authors give them. */
    public static final String[] CLASS_NAMES = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
    };

    /** A set of images with their labels. */
    public record Split(byte[] images, byte[] labels) {

        public Split {
            if (images.length != labels.length * PIXELS) {
                throw new DatasetException("split has " + labels.length + " labels but "
                        + images.length / PIXELS + " images");
            }
        }

        public int size() {
            return labels.length;
        }

        /** The first {@code n} items; the whole split when {@code n} is at least its size. */
        public Split first(int n) {
            if (n >= size()) {
                return this;
            }
            return new Split(Arrays.copyOf(images, n * PIXELS), Arrays.copyOf(labels, n));
        }

        /** The items at {@code indices}, in that order. */
        public Split pick(int[] indices) {
            byte[] pickedImages = new byte[indices.length * PIXELS];
            byte[] pickedLabels = new byte[indices.length];
            for (int i = 0; i < indices.length; i++) {
                System.arraycopy(images, indices[i] * PIXELS, pickedImages, i * PIXELS, PIXELS);
                pickedLabels[i] = labels[indices[i]];
            }
            return new Split(pickedImages, pickedLabels);
        }

        /**
         * {@code n} items held out at random, reproducibly from {@code seed}, and the rest: the held-out
         * ones first, the rest in their original order.
         */
        public Split[] holdOut(int n, long seed) {
            if (n <= 0 || n >= size()) {
                throw new IllegalArgumentException(RequestFields.VALIDATION_SPLIT + ": must be between 1 and " + (size() - 1)
                        + " for a training set of " + size() + " images, got " + n);
            }
            int[] order = new int[size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Random random = new Random(seed ^ HOLD_OUT_SALT); // not the shuffle's stream: a separate draw
            for (int i = 0; i < n; i++) { // a partial Fisher-Yates: the first n are a uniform sample
                int j = i + random.nextInt(order.length - i);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            int[] held = Arrays.copyOf(order, n);
            int[] rest = Arrays.copyOfRange(order, n, order.length);
            Arrays.sort(held);
            Arrays.sort(rest);
            return new Split[] {pick(held), pick(rest)};
        }
    }

    /** Mixed into the seed for the validation draw. */
    private static final long HOLD_OUT_SALT = 0x76616c6964L; // "valid"

    /** This data with the training set cut to its first {@code limit} images (0 or less: all). */
    public FashionMnist limitTrain(int limit) {
        return limit <= 0 ? this : new FashionMnist(train.first(limit), test, source);
    }

    /** Builds a split from an images file and a labels file, checking that they belong together. */
    static Split split(String imagesName, IdxFile images, String labelsName, IdxFile labels) {
        int[] dims = images.dimensions();
        if (dims.length != 3 || dims[1] != IMAGE_SIDE || dims[2] != IMAGE_SIDE) {
            throw new DatasetException(imagesName + ": expected images of shape [n, 28, 28], found "
                    + Arrays.toString(dims));
        }
        if (labels.dimensions().length != 1) {
            throw new DatasetException(labelsName + ": expected a rank-1 label file, found shape "
                    + Arrays.toString(labels.dimensions()));
        }
        if (images.count() != labels.count()) {
            throw new DatasetException(imagesName + " has " + images.count() + " images but " + labelsName
                    + " has " + labels.count() + " labels");
        }
        byte[] payload = labels.payload();
        for (int i = 0; i < payload.length; i++) {
            if ((payload[i] & 0xff) >= CLASSES) {
                throw new DatasetException(labelsName + ": label " + (payload[i] & 0xff) + " at index " + i
                        + " is outside 0.." + (CLASSES - 1));
            }
        }
        return new Split(images.payload(), payload);
    }
}
