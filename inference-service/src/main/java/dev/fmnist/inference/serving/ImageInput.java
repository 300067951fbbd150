package dev.fmnist.inference.serving;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.Image;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/** Turns a request's image, in any of its three encodings, into 784 floats in [0, 1]; bad input is INVALID_ARGUMENT. */
final class ImageInput {

    private ImageInput() {}

    /** Whether decoding takes real work (an encoded image), so it belongs on the decoder pool. */
    static boolean isEncoded(Image image) {
        return image.getPixelsCase() == Image.PixelsCase.ENCODED;
    }

    /** The request's conversion; an unknown number is refused naming the field. */
    static Conversion conversion(Conversion conversion, int number) {
        require(conversion != Conversion.UNRECOGNIZED, "conversion: unknown value " + number
                + "; expected CONVERSION_AUTO (0), CONVERSION_PHOTO (1) or CONVERSION_NONE (2)");
        return conversion;
    }

    /**
     * Writes image {@code index} into {@code pixels} at {@code index * 784} and returns what the model
     * reads; encoded images up to {@code maxSide} a side, converted as {@code conversion} says.
     */
    static ModelInput decode(Image image, Conversion conversion, boolean resize, int maxSide, String field,
            float[] pixels, int index) {
        int offset = index * FashionMnist.PIXELS;
        switch (image.getPixelsCase()) {
            case RAW_UINT8 -> {
                int size = image.getRawUint8().size();
                require(size == FashionMnist.PIXELS, field + ".raw_uint8: expected 784 bytes (28x28), got " + size);
                byte[] levels = image.getRawUint8().toByteArray();
                Pixels.scale(levels, 0, pixels, offset, size);
                return ModelInput.asSent(levels);
            }
            case FLOAT_PIXELS -> {
                List<Float> values = image.getFloatPixels().getValuesList();
                require(values.size() == FashionMnist.PIXELS, field + ".float_pixels: expected 784 values (28x28), got "
                        + values.size());
                byte[] levels = new byte[FashionMnist.PIXELS];
                for (int i = 0; i < values.size(); i++) {
                    float v = values.get(i);
                    require(Pixels.isScaled(v), field + ".float_pixels[" + i + "]: expected a value in [0, 1], got " + v);
                    pixels[offset + i] = v;
                    levels[i] = (byte) Math.round(v * Pixels.MAX_LEVEL);
                }
                return ModelInput.asSent(levels);
            }
            case ENCODED -> {
                ModelInput input = EncodedImage.decode(image.getEncoded(), conversion, resize, maxSide, field);
                Pixels.scale(input.levels(), 0, pixels, offset, FashionMnist.PIXELS);
                return input;
            }
            default -> throw invalid(field + ": no pixels; set raw_uint8, float_pixels or encoded");
        }
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
