package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.AUGMENTATION;
import static dev.fmnist.contract.fields.RequestFields.CROP_PADDING;
import static dev.fmnist.contract.fields.RequestFields.path;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * Random changes to each training image, drawn afresh every time the image is used, reproducibly from
 * the run's seed; evaluation images are never changed.
 *
 * @param cropPadding pad each image by this many black pixels a side, then crop a random 28x28 window
 *     (a shift of up to this many pixels each way); 0 for none
 * @param horizontalFlip mirror each image left to right with probability one half
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) {

    /** No change: the seed's recipe. */
    public static final Augmentation NONE = new Augmentation(0, false);
    /** A shift of more than a quarter of the image would push most garments out of it. */
    public static final int MAX_CROP_PADDING = 7;

    public Augmentation {
        if (cropPadding < 0 || cropPadding > MAX_CROP_PADDING) {
            throw new IllegalArgumentException(path(AUGMENTATION, CROP_PADDING) + ": must be between 0 (none) and "
                    + MAX_CROP_PADDING + ", got " + cropPadding);
        }
    }

    /** Whether any image is changed at all. */
    @JsonIgnore
    public boolean isEnabled() {
        return cropPadding > 0 || horizontalFlip;
    }
}
