package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.PhotoRenders.Style;
import java.io.IOException;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How faithfully {@link PhotoConversion} gives back the dataset image a photo was rendered from: each
 * style's renders of training images (the conversion is tuned on training images, never on the test
 * split), decoded as the server decodes, converted, and compared with the 784 levels they were made of.
 */
class PhotoConversionRendersTest {

    /** Training images rendered per style, seed = index. */
    private static final int IMAGES = 100;
    /** A level above this is garment in the masks compared. */
    private static final int MASK_LEVEL = 32;
    /** Bounds from the measured figures (see the printed line), with a margin: a conversion that loses the garment fails. */
    private static final double MAX_MEAN_ABS_DIFF = 16;
    private static final double MIN_MEAN_IOU = 0.88;

    private static final FashionMnist.Split TRAIN = IdxFixtures.realData().train();

    @ParameterizedTest
    @EnumSource(Style.class)
    void theConversionGivesBackTheImageAPhotoWasRenderedFrom(Style style) throws IOException {
        double absDiff = 0;
        double iou = 0;
        double worstIou = 1;
        for (int i = 0; i < IMAGES; i++) {
            int offset = i * FashionMnist.PIXELS;
            byte[] photo = PhotoRenders.encoded(TRAIN.images(), offset, style, i);
            byte[] levels = PhotoConversion.convert(GrayImage.of(PhotoConversion.decode(photo))).levels();
            absDiff += meanAbsDiff(TRAIN.images(), offset, levels);
            double overlap = iou(TRAIN.images(), offset, levels);
            iou += overlap;
            worstIou = Math.min(worstIou, overlap);
        }
        absDiff /= IMAGES;
        iou /= IMAGES;
        System.out.printf(Locale.ROOT, "%-10s %d training images: mean |level difference| %.2f, mean IoU of level > %d %.3f"
                + " (worst %.3f)%n", style.id(), IMAGES, absDiff, MASK_LEVEL, iou, worstIou);
        assertThat(absDiff).as("%s mean |level difference|", style.id()).isLessThan(MAX_MEAN_ABS_DIFF);
        assertThat(iou).as("%s mean IoU", style.id()).isGreaterThan(MIN_MEAN_IOU);
    }

    private static double meanAbsDiff(byte[] images, int offset, byte[] levels) {
        long sum = 0;
        for (int j = 0; j < FashionMnist.PIXELS; j++) {
            sum += Math.abs((images[offset + j] & 0xff) - (levels[j] & 0xff));
        }
        return sum / (double) FashionMnist.PIXELS;
    }

    private static double iou(byte[] images, int offset, byte[] levels) {
        int both = 0;
        int either = 0;
        for (int j = 0; j < FashionMnist.PIXELS; j++) {
            boolean original = (images[offset + j] & 0xff) > MASK_LEVEL;
            boolean converted = (levels[j] & 0xff) > MASK_LEVEL;
            both += original && converted ? 1 : 0;
            either += original || converted ? 1 : 0;
        }
        return either == 0 ? 1 : both / (double) either;
    }
}
