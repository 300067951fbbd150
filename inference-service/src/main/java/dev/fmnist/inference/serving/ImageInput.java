package dev.fmnist.inference.serving;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
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

    /** Writes image {@code index} into {@code pixels} at {@code index * 784}; encoded images up to {@code maxSide} a side. */
    static void decode(Image image, boolean resize, int maxSide, String field, float[] pixels, int index) {
        int offset = index * FashionMnist.PIXELS;
        switch (image.getPixelsCase()) {
            case RAW_UINT8 -> {
                int size = image.getRawUint8().size();
                require(size == FashionMnist.PIXELS, field + ".raw_uint8: expected 784 bytes (28x28), got " + size);
                Pixels.scale(image.getRawUint8().toByteArray(), 0, pixels, offset, size);
            }
            case FLOAT_PIXELS -> {
                List<Float> values = image.getFloatPixels().getValuesList();
                require(values.size() == FashionMnist.PIXELS, field + ".float_pixels: expected 784 values (28x28), got "
                        + values.size());
                for (int i = 0; i < values.size(); i++) {
                    float v = values.get(i);
                    require(Pixels.isScaled(v), field + ".float_pixels[" + i + "]: expected a value in [0, 1], got " + v);
                    pixels[offset + i] = v;
                }
            }
            case ENCODED -> EncodedImage.decode(image.getEncoded(), resize, maxSide, field, pixels, offset);
            case PIXELS_NOT_SET -> throw invalid(field + ": no pixels; set raw_uint8, float_pixels or encoded");
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
