package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import io.grpc.StatusRuntimeException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes a PNG or JPEG into 784 scaled pixels with bounded work: the format and the dimensions come
 * from the header before any pixel is decoded, so a small file that declares a huge image (a
 * decompression bomb) is refused in microseconds, and a large honest image is read subsampled, so the
 * decoded raster stays near {@link #DECODE_SIDE} pixels a side whatever the source size.
 */
final class EncodedImage {

    /** The formats accepted, as ImageIO names them; anything else is refused by name. */
    static final Set<String> FORMATS = Set.of("png", "jpeg");
    /** Source images are read subsampled to about this many pixels a side before the 28x28 resize. */
    static final int DECODE_SIDE = 224;
    private static final int SIDE = FashionMnist.IMAGE_SIDE;

    private EncodedImage() {}

    /** Writes the image's 784 scaled pixels into {@code pixels} at {@code offset}; INVALID_ARGUMENT naming {@code field} otherwise. */
    static void decode(ByteString bytes, boolean resize, int maxSide, String field, float[] pixels, int offset) {
        String where = field + ".encoded";
        // read in place: no copy of the request's bytes
        try (ImageInputStream in = ImageIO.createImageInputStream(bytes.newInput())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ImageInput.invalid(where + ": not a decodable PNG or JPEG (" + bytes.size() + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw ImageInput.invalid(where + ": " + format.toUpperCase(Locale.ROOT)
                            + " images are not accepted; send PNG or JPEG");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > maxSide || height > maxSide || width < 1 || height < 1) {
                    throw ImageInput.invalid(where + ": the image is " + width + "x" + height
                            + " pixels; at most " + maxSide + "x" + maxSide + " are accepted");
                }
                if (!resize && (width != SIDE || height != SIDE)) {
                    throw ImageInput.invalid(where + ": expected a 28x28 image, got " + width + "x" + height
                            + " (set resize to scale it)");
                }
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(Math.max(1, width / DECODE_SIDE), Math.max(1, height / DECODE_SIDE), 0, 0);
                scaleInto(reader.read(0, param), pixels, offset);
            } finally {
                reader.dispose();
            }
        } catch (StatusRuntimeException refusal) {
            throw refusal; // ours, naming what was wrong
        } catch (IOException | RuntimeException e) { // the decoder's, on bytes that are not what they claim
            throw ImageInput.invalid(where + ": not a decodable PNG or JPEG (" + bytes.size() + " bytes): "
                    + e.getClass().getSimpleName());
        }
    }

    /** Bilinear resize to 28x28 gray, then the one preprocessing step. */
    private static void scaleInto(BufferedImage decoded, float[] pixels, int offset) {
        BufferedImage gray = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(decoded, 0, 0, SIDE, SIDE, null);
        g.dispose();
        byte[] data = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
        Pixels.scale(data, 0, pixels, offset, data.length);
    }
}
