package dev.fmnist.contract.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ExifOrientationTest {

    /** An APP1 payload with two IFD0 entries, Make then Orientation, in either byte order. */
    private static byte[] app1(boolean little, int orientation, int type) {
        byte o = (byte) orientation;
        byte t = (byte) type;
        return little
                ? new byte[] {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0,
                    0x0F, 0x01, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                    0x12, 0x01, t, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0}
                : new byte[] {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 2,
                    0x01, 0x0F, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,
                    0x01, 0x12, 0, t, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0};
    }

    @Test
    void readsTheTagInEitherByteOrderAfterOtherTags() {
        for (int o = 1; o <= 8; o++) {
            assertThat(ExifOrientation.of(app1(false, o, 3))).isEqualTo(o);
            assertThat(ExifOrientation.of(app1(true, o, 3))).isEqualTo(o);
        }
    }

    @Test
    void aMalformedOrHostileSegmentIsReadAsNormal() {
        assertThat(ExifOrientation.of(null)).isEqualTo(ExifOrientation.NORMAL);
        assertThat(ExifOrientation.of(new byte[3])).isEqualTo(ExifOrientation.NORMAL);
        assertThat(ExifOrientation.of(app1(false, 9, 3))).as("out of range").isEqualTo(ExifOrientation.NORMAL);
        assertThat(ExifOrientation.of(app1(false, 6, 4))).as("not a SHORT").isEqualTo(ExifOrientation.NORMAL);
        byte[] cut = app1(false, 6, 3);
        for (int length = 0; length < cut.length; length++) {
            assertThat(ExifOrientation.of(Arrays.copyOf(cut, length))).isBetween(1, 8);
        }
        byte[] farOffset = app1(false, 6, 3);
        farOffset[10] = (byte) 0xFF; // IFD0 4 GB away
        assertThat(ExifOrientation.of(farOffset)).isEqualTo(ExifOrientation.NORMAL);
        byte[] manyEntries = app1(false, 6, 3);
        manyEntries[14] = (byte) 0xFF; // 65,000 entries declared, 2 present
        manyEntries[15] = (byte) 0xFF;
        assertThat(ExifOrientation.of(manyEntries)).isBetween(1, 8);
    }

    @Test
    void uprightTurnsEachOfTheEightCasesToTheSameImage() {
        // seen: 3 wide, 2 tall, levels 1..6 row by row
        int[] seen = {1, 2, 3, 4, 5, 6};
        // stored as each orientation stores it (EXIF's definitions)
        int[][] stored = {
            {1, 2, 3, 4, 5, 6}, // 1
            {3, 2, 1, 6, 5, 4}, // 2: mirrored
            {6, 5, 4, 3, 2, 1}, // 3: half a turn
            {4, 5, 6, 1, 2, 3}, // 4: flipped
            {1, 4, 2, 5, 3, 6}, // 5: transposed (2 wide, 3 tall)
            {3, 6, 2, 5, 1, 4}, // 6: turned a quarter anticlockwise
            {6, 3, 5, 2, 4, 1}, // 7: transverse
            {4, 1, 5, 2, 6, 3}, // 8: turned a quarter clockwise
        };
        for (int o = 1; o <= 8; o++) {
            boolean turned = o >= ExifOrientation.TRANSPOSED;
            GrayImage image = new GrayImage(turned ? 2 : 3, turned ? 3 : 2, stored[o - 1], false);
            GrayImage upright = ExifOrientation.upright(image, o);
            assertThat(upright.width()).as("orientation %d", o).isEqualTo(3);
            assertThat(upright.levels()).as("orientation %d", o).containsExactly(seen);
        }
    }
}
