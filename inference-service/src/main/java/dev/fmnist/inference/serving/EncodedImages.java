package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.v1.Conversion;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;

/**
 * The Open Inference Protocol's {@code encoded_images} input: a BYTES tensor of shape [N] or [N, 1],
 * each element one PNG or JPEG file, as Triton's clients send photos. Its elements come raw
 * ({@code raw_input_contents[0]}, and the HTTP binary extension: each a 4-byte little-endian length,
 * then its bytes) or typed ({@code bytes_contents}); each is checked against the shape and the buffer
 * before anything is decoded, then decoded and converted exactly as fmnist.v1 does ({@link EncodedImage}),
 * on the image decoders. Every refusal is INVALID_ARGUMENT naming the field or the element.
 */
final class EncodedImages {

    /**
     * The most bytes one encoded file may have: far above any honest photo at the largest accepted side
     * (a 4096x4096 JPEG is a few MB), and half the gRPC message limit.
     */
    static final int MAX_FILE_BYTES = 16 * 1024 * 1024;
    private static final String RAW = "raw_input_contents[0]";

    private EncodedImages() {}

    /** N from a shape of [N] or [N, 1], at most {@code max}. */
    static int batchSize(List<Long> shape, int max) {
        if (shape.isEmpty() || shape.size() > 2 || (shape.size() == 2 && shape.get(1) != 1)) {
            throw invalid("inputs[0].shape: expected [N] or [N, 1] for '" + InferRequestRules.ENCODED_INPUT
                    + "' (one encoded file per element), got " + shape);
        }
        long n = shape.get(0);
        if (n < 1) {
            throw invalid("inputs[0].shape: batch size must be at least 1, got " + n);
        }
        if (n > max) {
            // can never succeed as sent: INVALID_ARGUMENT (400), as Triton; RESOURCE_EXHAUSTED is "queue full"
            throw invalid("inputs[0].shape: at most " + max + " images per request, got " + n);
        }
        return (int) n;
    }

    /**
     * The {@code n} files of {@code input}, from {@code raw} when it is not null, else from its
     * bytes_contents: views into the request, never copies.
     */
    static List<ByteString> files(InferInputTensor input, ByteString raw, int n) {
        List<ByteString> files = raw != null ? elements(raw, n) : input.getContents().getBytesContentsList();
        if (raw == null && files.size() != n) {
            throw invalid("inputs[0].contents.bytes_contents: expected " + n + " elements for the declared shape, got "
                    + files.size());
        }
        for (int i = 0; i < files.size(); i++) {
            requireSize(files.get(i).size(), i);
        }
        return files;
    }

    /** A length-prefixed BYTES buffer of exactly {@code n} elements, each within the buffer and the size limit. */
    private static List<ByteString> elements(ByteString raw, int n) {
        List<ByteString> elements = new ArrayList<>(n);
        int at = 0;
        while (at < raw.size()) {
            int i = elements.size();
            if (i == n) {
                throw invalid(RAW + ": " + (raw.size() - at) + " bytes after the " + n
                        + " elements the shape declares");
            }
            if (raw.size() - at < Integer.BYTES) {
                throw invalid(RAW + ": element " + i + "'s 4-byte length is cut off (" + (raw.size() - at)
                        + " bytes left)");
            }
            long length = Integer.toUnsignedLong(littleEndianInt(raw, at));
            at += Integer.BYTES;
            if (length > raw.size() - at) {
                throw invalid(RAW + ": element " + i + " declares " + length + " bytes, but only " + (raw.size() - at)
                        + " follow");
            }
            requireSize(length, i);
            elements.add(raw.substring(at, at + (int) length));
            at += (int) length;
        }
        if (elements.size() != n) {
            throw invalid(RAW + ": " + elements.size() + " elements, the shape declares " + n);
        }
        return elements;
    }

    private static int littleEndianInt(ByteString bytes, int at) {
        return (bytes.byteAt(at) & 0xff) | (bytes.byteAt(at + 1) & 0xff) << 8 | (bytes.byteAt(at + 2) & 0xff) << 16
                | (bytes.byteAt(at + 3) & 0xff) << 24;
    }

    private static void requireSize(long size, int index) {
        if (size > MAX_FILE_BYTES) {
            throw invalid(field(index) + ": " + size + " bytes; at most " + MAX_FILE_BYTES + " per encoded image");
        }
    }

    /**
     * The scaled pixels of every file, converted as {@code conversion} says: the work of a decoder
     * thread, never of an event loop. The first file that cannot be an image is refused by its index.
     */
    static float[] decode(List<ByteString> files, Conversion conversion, boolean resize, int maxSide) {
        float[] pixels = new float[files.size() * FashionMnist.PIXELS];
        for (int i = 0; i < files.size(); i++) {
            ModelInput input = decode(files.get(i), conversion, resize, maxSide, field(i));
            Pixels.scale(input.levels(), 0, pixels, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
        }
        return pixels;
    }

    /** fmnist.v1's decoding, whose refusals name the element here rather than fmnist.v1's {@code .encoded} field. */
    private static ModelInput decode(ByteString file, Conversion conversion, boolean resize, int maxSide, String field) {
        try {
            return EncodedImage.decode(file, conversion, resize, maxSide, field);
        } catch (StatusRuntimeException refusal) {
            String message = refusal.getStatus().getDescription();
            String named = field + ".encoded";
            if (message == null || !message.startsWith(named)) {
                throw refusal;
            }
            throw refusal.getStatus().withDescription(field + message.substring(named.length())).asRuntimeException();
        }
    }

    private static String field(int index) {
        return InferRequestRules.ENCODED_INPUT + "[" + index + "]";
    }

    private static StatusRuntimeException invalid(String message) {
        return ImageInput.invalid(message);
    }
}
