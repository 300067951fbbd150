package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.proto.v1.Conversion;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The decode and conversion of one encoded image, for the image kinds a client may send, without a server. */
class EncodedImageTest {

    private static final int MAX_SIDE = 4096;
    private static final int SIDE = FashionMnist.IMAGE_SIDE;

    private static ByteString png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "png", out)).isTrue();
        return ByteString.copyFrom(out.toByteArray());
    }

    private static ModelInput decode(BufferedImage image, Conversion conversion) throws IOException {
        return EncodedImage.decode(png(image), conversion, false, MAX_SIDE, "image");
    }

    /** A dark rectangle on a light background, drawn into {@code image}. */
    private static BufferedImage garment(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(235, 235, 235));
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(new Color(20, 20, 20));
        g.fillRect(image.getWidth() / 4, image.getHeight() / 8, image.getWidth() / 2, image.getHeight() * 3 / 4);
        g.dispose();
        return image;
    }

    @Test
    void everyKindOfPngBecomesALightGarmentOnBlack() throws IOException {
        byte[] r = new byte[] {(byte) 235, 20};
        BufferedImage palette = garment(new BufferedImage(120, 160, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(1, 2, r, r, r)));
        BufferedImage sixteenBit = garment(new BufferedImage(120, 160, BufferedImage.TYPE_USHORT_GRAY));
        BufferedImage gray = garment(new BufferedImage(120, 160, BufferedImage.TYPE_BYTE_GRAY));
        BufferedImage argb = garment(new BufferedImage(120, 160, BufferedImage.TYPE_INT_ARGB));
        for (BufferedImage image : new BufferedImage[] {palette, sixteenBit, gray, argb}) {
            ModelInput input = decode(image, Conversion.CONVERSION_AUTO);
            assertThat(input.conversion()).isEqualTo(ModelInput.PHOTO);
            assertThat(input.background().light()).isTrue();
            assertThat(input.garment().width()).isEqualTo(60);
            assertThat(input.garment().height()).isEqualTo(120);
            assertThat(input.levels()[14 * SIDE + 14] & 0xff).as("type %d", image.getType()).isEqualTo(255);
            assertThat(input.levels()[14 * SIDE + 1]).as("type %d", image.getType()).isZero();
        }
    }

    @Test
    void blankAndDegenerateImagesAreAnsweredNotFailed() throws IOException {
        BufferedImage white = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = white.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 300, 200);
        g.dispose();
        assertThat(decode(white, Conversion.CONVERSION_PHOTO).levels()).containsOnly((byte) 0);
        for (int[] size : new int[][] {{1, 1}, {1, MAX_SIDE}, {MAX_SIDE, 1}, {2, 3}}) {
            BufferedImage thin = new BufferedImage(size[0], size[1], BufferedImage.TYPE_BYTE_GRAY);
            ModelInput input = decode(thin, Conversion.CONVERSION_AUTO);
            assertThat(input.levels()).hasSize(FashionMnist.PIXELS);
            assertThat(input.sourceWidth()).isEqualTo(size[0]);
            assertThat(input.garment().x() + input.garment().width()).isLessThanOrEqualTo(size[0]);
            assertThat(input.garment().y() + input.garment().height()).isLessThanOrEqualTo(size[1]);
        }
    }

    @Test
    void aDatasetStyleImageUnderAutoIsItsOwnLevelsAndUnderNoneAnotherSizeNeedsResize() throws IOException {
        BufferedImage dataset = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        byte[] levels = new byte[FashionMnist.PIXELS];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = (byte) (i % 28 > 8 && i % 28 < 20 ? 200 + i % 7 : 0);
        }
        dataset.getRaster().setDataElements(0, 0, SIDE, SIDE, levels);
        ModelInput input = decode(dataset, Conversion.CONVERSION_AUTO);
        assertThat(input.conversion()).isEqualTo(ModelInput.AS_SENT);
        assertThat(input.levels()).isEqualTo(levels);
        BufferedImage rgb = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB); // the same levels as RGB
        for (int i = 0; i < levels.length; i++) {
            int v = levels[i] & 0xff;
            rgb.setRGB(i % SIDE, i / SIDE, v << 16 | v << 8 | v);
        }
        ModelInput fromRgb = decode(rgb, Conversion.CONVERSION_AUTO);
        assertThat(fromRgb.conversion()).isEqualTo(ModelInput.AS_SENT);
        assertThat(fromRgb.levels()).isEqualTo(levels);
        assertThat(decode(dataset, Conversion.CONVERSION_PHOTO).conversion()).isEqualTo(ModelInput.PHOTO);

        BufferedImage big = new BufferedImage(56, 56, BufferedImage.TYPE_BYTE_GRAY);
        assertThatThrownBy(() -> decode(big, Conversion.CONVERSION_NONE)).isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining("image.encoded: expected a 28x28 image, got 56x56");
        assertThat(EncodedImage.decode(png(big), Conversion.CONVERSION_NONE, true, MAX_SIDE, "image").conversion())
                .isEqualTo(ModelInput.NONE);
    }

    /** A JPEG of {@code image} with an EXIF APP1 segment saying {@code orientation}, after its JFIF APP0. */
    private static ByteString jpegWithOrientation(BufferedImage image, int orientation) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpeg", out)).isTrue();
        byte[] jpeg = out.toByteArray();
        int app0End = 4 + ((jpeg[4] & 0xff) << 8 | (jpeg[5] & 0xff)); // SOI, then APP0's marker and length
        byte[] exif = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF, IFD0 at 8
            0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0}; // one SHORT entry
        ByteArrayOutputStream spliced = new ByteArrayOutputStream();
        spliced.write(jpeg, 0, app0End);
        spliced.write(new byte[] {(byte) 0xFF, (byte) 0xE1, 0, (byte) (exif.length + 2)});
        spliced.write(exif);
        spliced.write(jpeg, app0End, jpeg.length - app0End);
        return ByteString.copyFrom(spliced.toByteArray());
    }

    @Test
    void aPhoneJpegStoredSidewaysIsTurnedUprightByItsExifOrientation() throws IOException {
        // seen upright: 120 wide, 240 tall, a dark garment in the top-left quarter's area
        BufferedImage upright = new BufferedImage(120, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = upright.createGraphics();
        g.setColor(new Color(235, 235, 235));
        g.fillRect(0, 0, 120, 240);
        g.setColor(new Color(20, 20, 20));
        g.fillRect(10, 20, 60, 100);
        g.dispose();
        // stored as a phone stores it: turned a quarter anticlockwise, with orientation 6 (turn clockwise to see)
        BufferedImage stored = new BufferedImage(240, 120, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 240; y++) {
            for (int x = 0; x < 120; x++) {
                stored.setRGB(y, 119 - x, upright.getRGB(x, y));
            }
        }
        ModelInput seen = EncodedImage.decode(jpegWithOrientation(stored, 6), Conversion.CONVERSION_AUTO, false,
                MAX_SIDE, "image");
        ModelInput plain = EncodedImage.decode(jpegWithOrientation(upright, 1), Conversion.CONVERSION_AUTO, false,
                MAX_SIDE, "image");
        assertThat(seen.sourceWidth()).as("as sent").isEqualTo(240);
        assertThat(seen.garment().width()).isCloseTo(60, within(2));
        assertThat(seen.garment().height()).isCloseTo(100, within(2));
        int differences = 0;
        for (int i = 0; i < FashionMnist.PIXELS; i++) {
            differences += Math.abs((seen.levels()[i] & 0xff) - (plain.levels()[i] & 0xff));
        }
        assertThat(differences / (double) FashionMnist.PIXELS).as("mean level difference from the upright photo")
                .isLessThan(4);
        ModelInput sideways = EncodedImage.decode(jpegWithOrientation(stored, 1), Conversion.CONVERSION_AUTO, false,
                MAX_SIDE, "image");
        assertThat(sideways.garment().width()).as("without the tag it stays on its side").isCloseTo(100,
                within(2));
    }

    @Test
    void theHeaderIsCheckedBeforeAnyConversion() {
        BufferedImage tooWide = new BufferedImage(MAX_SIDE + 1, 1, BufferedImage.TYPE_BYTE_GRAY);
        assertThatThrownBy(() -> decode(tooWide, Conversion.CONVERSION_PHOTO))
                .hasMessageContaining("image.encoded: the image is 4097x1 pixels; at most 4096x4096 are accepted");
    }
}
