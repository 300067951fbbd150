package dev.fmnist.inference.serving;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.proto.v1.Image;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;

/** Turns a request's image, in any of its three encodings, into 784 floats in [0, 1]; bad input is INVALID_ARGUMENT. */
final class ImageInput {

    private ImageInput() {}

    /** Writes image {@code index} into {@code pixels} at {@code index * 784}. */
    static void decode(Image image, boolean resize, String field, float[] pixels, int index) {
        int offset = index * FashionMnist.PIXELS;
        switch (image.getPixelsCase()) {
            case RAW_UINT8 -> {
                byte[] raw = image.getRawUint8().toByteArray();
                require(raw.length == FashionMnist.PIXELS, field + ".raw_uint8: expected 784 bytes (28x28), got " + raw.length);
                Pixels.scale(raw, 0, pixels, offset, raw.length);
            }
            case FLOAT_PIXELS -> {
                List<Float> values = image.getFloatPixels().getValuesList();
                require(values.size() == FashionMnist.PIXELS, field + ".float_pixels: expected 784 values (28x28), got "
                        + values.size());
                for (int i = 0; i < values.size(); i++) {
                    float v = values.get(i);
                    require(Pixels.isScaled(v), field + ".float_pixels[" + i
                            + "]: expected a value in [0, 1], got " + v);
                    pixels[offset + i] = v;
                }
            }
            case ENCODED -> decodeEncoded(image.getEncoded().toByteArray(), resize, field, pixels, offset);
            case PIXELS_NOT_SET -> throw invalid(field + ": no pixels; set raw_uint8, float_pixels or encoded");
        }
    }

    private static void decodeEncoded(byte[] bytes, boolean resize, String field, float[] pixels, int offset) {
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            decoded = null;
        }
        require(decoded != null, field + ".encoded: not a decodable PNG or JPEG (" + bytes.length + " bytes)");
        int side = FashionMnist.IMAGE_SIDE;
        require(resize || (decoded.getWidth() == side && decoded.getHeight() == side), field
                + ".encoded: expected a 28x28 image, got " + decoded.getWidth() + "x" + decoded.getHeight()
                + " (set resize to scale it)");
        BufferedImage gray = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(decoded, 0, 0, side, side, null);
        g.dispose();
        byte[] data = ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
        Pixels.scale(data, 0, pixels, offset, data.length);
    }

    private static void require(boolean rule, String message) {
        if (!rule) {
            throw invalid(message);
        }
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
