package dev.fmnist.contract.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;

/**
 * Images made to hurt a server: decompression bombs and formats nobody promised to accept. For the load
 * generator's hostile mode and the tests; nothing in a service sends them.
 */
public final class HostileImages {

    /** The side of the bombs: 30000 x 30000, 900 MB of pixels once decoded. */
    public static final int BOMB_SIDE = 30_000;
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int SOF0 = 0xC0;

    private static byte[] pngBomb;

    private HostileImages() {}

    /**
     * A valid 30000x30000 all-black 8-bit gray PNG of under a megabyte: every row is a filter byte and
     * 30000 zeros, deflated. Made once per JVM (a second or two of deflating).
     */
    public static synchronized byte[] pngBomb() {
        if (pngBomb == null) {
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
                byte[] row = new byte[BOMB_SIDE + 1];
                for (int y = 0; y < BOMB_SIDE; y++) {
                    z.write(row);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.writeBytes(PNG_SIGNATURE);
            ByteBuffer header = ByteBuffer.allocate(13).putInt(BOMB_SIDE).putInt(BOMB_SIDE)
                    .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(png, "IHDR", header.array());
            chunk(png, "IDAT", idat.toByteArray());
            chunk(png, "IEND", new byte[0]);
            pngBomb = png.toByteArray();
        }
        return pngBomb.clone();
    }

    /** A small real JPEG whose frame header claims 30000x30000: a decoder that trusts it allocates 900 MB. */
    public static byte[] jpegBomb() {
        byte[] jpeg = encode(new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY), "jpeg");
        for (int i = 2; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xff && (jpeg[i + 1] & 0xff) == SOF0) {
                // FF C0, length (2), precision (1), height (2), width (2)
                jpeg[i + 5] = (byte) (BOMB_SIDE >> 8);
                jpeg[i + 6] = (byte) BOMB_SIDE;
                jpeg[i + 7] = (byte) (BOMB_SIDE >> 8);
                jpeg[i + 8] = (byte) BOMB_SIDE;
                return jpeg;
            }
        }
        throw new IllegalStateException("no baseline frame header in the encoded JPEG");
    }

    /** A {@code width x height} gray image with a gradient, encoded as {@code format} (png, jpeg, gif, bmp). */
    public static byte[] image(int width, int height, String format) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, (x * 255 / Math.max(1, width - 1) + y) & 0xff);
            }
        }
        return encode(image, format);
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(name);
        png.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
