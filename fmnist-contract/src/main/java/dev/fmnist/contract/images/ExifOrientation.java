package dev.fmnist.contract.images;

/**
 * The EXIF Orientation tag (0x0112) of a JPEG's APP1 segment: how a camera that was held sideways says
 * which way up its pixels are. Phones write the sensor's rows as they come and set this tag instead of
 * rotating, so a portrait photo decoded as stored lies on its side. Parsed with every offset checked
 * against the segment: a malformed or hostile segment reads as {@link #NORMAL}, never as an error.
 */
public final class ExifOrientation {

    /** Stored as seen: no change. */
    public static final int NORMAL = 1;
    /** From this value on (5-8) the stored image is turned by a quarter: its width and height trade places. */
    public static final int TRANSPOSED = 5;
    /** The largest value the tag defines (8: stored turned a quarter clockwise). */
    public static final int MAX = 8;
    private static final byte[] EXIF = {'E', 'x', 'i', 'f', 0, 0};
    private static final int ORIENTATION_TAG = 0x0112;
    private static final int SHORT = 3;
    private static final int TIFF_HEADER = 8;
    private static final int ENTRY = 12;

    private ExifOrientation() {}

    /** The orientation in an APP1 segment's payload (starting "Exif\0\0"), 1-8; {@link #NORMAL} when absent or malformed. */
    public static int of(byte[] app1) {
        if (app1 == null || app1.length < EXIF.length + TIFF_HEADER) {
            return NORMAL;
        }
        for (int i = 0; i < EXIF.length; i++) {
            if (app1[i] != EXIF[i]) {
                return NORMAL;
            }
        }
        int tiff = EXIF.length;
        boolean little;
        if (app1[tiff] == 'I' && app1[tiff + 1] == 'I') {
            little = true;
        } else if (app1[tiff] == 'M' && app1[tiff + 1] == 'M') {
            little = false;
        } else {
            return NORMAL;
        }
        long ifd = tiff + unsigned32(app1, tiff + 4, little);
        if (ifd + 2 > app1.length) {
            return NORMAL;
        }
        int entries = unsigned16(app1, (int) ifd, little);
        for (int e = 0; e < entries; e++) {
            long at = ifd + 2 + (long) e * ENTRY;
            if (at + ENTRY > app1.length) {
                return NORMAL;
            }
            int entry = (int) at;
            if (unsigned16(app1, entry, little) == ORIENTATION_TAG) {
                int value = unsigned16(app1, entry + 8, little);
                boolean valid = unsigned16(app1, entry + 2, little) == SHORT && value >= NORMAL && value <= MAX;
                return valid ? value : NORMAL;
            }
        }
        return NORMAL;
    }

    /** {@code image} turned so that it is seen as the camera saw it, for an {@code orientation} of 1-8. */
    public static GrayImage upright(GrayImage image, int orientation) {
        if (orientation <= NORMAL || orientation > MAX) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= TRANSPOSED;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] out = new int[w * h];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                // where the seen pixel (x, y) is stored, per the tag's eight cases
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                out[y * ow + x] = image.levels()[sy * w + sx];
            }
        }
        return new GrayImage(ow, oh, out, image.transparent());
    }

    private static int unsigned16(byte[] b, int at, boolean little) {
        int first = b[at] & 0xff;
        int second = b[at + 1] & 0xff;
        return little ? first | second << 8 : first << 8 | second;
    }

    private static long unsigned32(byte[] b, int at, boolean little) {
        if (at + 4 > b.length) {
            return Integer.MAX_VALUE; // past any segment: read as absent
        }
        long v = 0;
        for (int i = 0; i < 4; i++) {
            int shift = little ? 8 * i : 8 * (3 - i);
            v |= (long) (b[at + i] & 0xff) << shift;
        }
        return v;
    }
}
