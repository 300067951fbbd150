package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.AUGMENTATION;
import static dev.fmnist.contract.fields.RequestFields.CROP_PADDING;
import static dev.fmnist.contract.fields.RequestFields.path;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Random changes to each training image, drawn afresh every time the image is used, reproducibly from
 * the run's seed; and, if asked, test-time augmentation: the mirror image's answer averaged in.
 *
 * @param cropPadding pad each image by this many black pixels a side, then crop a random 28x28 window
 *     (a shift of up to this many pixels each way); 0 for none
 * @param horizontalFlip mirror each image left to right with probability one half
 * @param photo change each image as a product photo's conversion to 28x28 leaves it: the garment a
 *     little smaller and off-centre, softer, of another mid-tone contrast, sometimes with JPEG
 *     blocking (the engine's {@code BatchAugmenter} says by how much); written only when on, so that
 *     manifests of runs without it read as before, in readers that know no {@code photo}
 * @param testTimeFlip classify each image by the mean of its own and its mirror image's class
 *     probabilities: in the run's evaluation passes (train accuracy's, validation's and test's: the
 *     accuracies and the test set's predicted classes; the losses stay the plain pass's) and wherever
 *     the model is served, at twice the images a forward pass; training images are not changed by it;
 *     written only when on, as {@code photo}
 */
public record Augmentation(int cropPadding, boolean horizontalFlip,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean photo,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean testTimeFlip) {

    /** No change: the seed's recipe. */
    public static final Augmentation NONE = new Augmentation(0, false, false, false);
    /** A shift of more than a quarter of the image would push most garments out of it. */
    public static final int MAX_CROP_PADDING = 7;

    public Augmentation {
        if (cropPadding < 0 || cropPadding > MAX_CROP_PADDING) {
            throw new IllegalArgumentException(path(AUGMENTATION, CROP_PADDING) + ": must be between 0 (none) and "
                    + MAX_CROP_PADDING + ", got " + cropPadding);
        }
    }

    /** Crops and flips only, as before the photo augmentation. */
    public Augmentation(int cropPadding, boolean horizontalFlip) {
        this(cropPadding, horizontalFlip, false, false);
    }

    /** Training images' changes only, as before test-time augmentation. */
    public Augmentation(int cropPadding, boolean horizontalFlip, boolean photo) {
        this(cropPadding, horizontalFlip, photo, false);
    }

    /**
     * The record's own text, less {@code testTimeFlip} when off: a training checkpoint's fingerprint
     * digests the recipe's text, and a recipe without test-time flips must print as it did before
     * them, so that runs in flight across an upgrade still find their checkpoints.
     */
    @Override
    public String toString() {
        return "Augmentation[cropPadding=" + cropPadding + ", horizontalFlip=" + horizontalFlip + ", photo=" + photo
                + (testTimeFlip ? ", testTimeFlip=true" : "") + "]";
    }

    /** Whether any training image is changed at all (test-time flips change none). */
    @JsonIgnore
    public boolean isEnabled() {
        return cropPadding > 0 || horizontalFlip || photo;
    }
}
