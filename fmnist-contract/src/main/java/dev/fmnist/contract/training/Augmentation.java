package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.AUGMENTATION;
import static dev.fmnist.contract.fields.RequestFields.CROP_PADDING;
import static dev.fmnist.contract.fields.RequestFields.path;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Random changes to each training image, drawn afresh every time the image is used, reproducibly from
 * the run's seed; evaluation images are never changed.
 *
 * @param cropPadding pad each image by this many black pixels a side, then crop a random 28x28 window
 *     (a shift of up to this many pixels each way); 0 for none
 * @param horizontalFlip mirror each image left to right with probability one half
 * @param photo change each image as a product photo's conversion to 28x28 leaves it: the garment a
 *     little smaller and off-centre, softer, of another mid-tone contrast, sometimes with JPEG
 *     blocking (the engine's {@code BatchAugmenter} says by how much); written only when on, so that
 *     manifests of runs without it read as before, in readers that know no {@code photo}
 */
public record Augmentation(int cropPadding, boolean horizontalFlip,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean photo) {

    /** No change: the seed's recipe. */
    public static final Augmentation NONE = new Augmentation(0, false, false);
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
        this(cropPadding, horizontalFlip, false);
    }

    /** Whether any image is changed at all. */
    @JsonIgnore
    public boolean isEnabled() {
        return cropPadding > 0 || horizontalFlip || photo;
    }
}
