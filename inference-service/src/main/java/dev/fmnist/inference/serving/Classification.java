package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.proto.inference.InferParameter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Triton's classification extension, the same for gRPC and REST: an output asked for with the
 * parameter {@code classification: k} comes back as a BYTES tensor of shape [N, k] whose row i holds
 * image i's k most probable classes, highest first, each as {@code "<value>:<index>:<label>"}: the
 * probability as Triton prints a float (six decimals), the class index, and its name from
 * {@link FashionMnist#CLASS_NAMES}. BYTES tensors travel as Triton sends them: raw or binary, each
 * element as a 4-byte little-endian length and its bytes.
 */
public final class Classification {

    /** The output parameter that asks for the top k. */
    public static final String PARAMETER = "classification";

    private Classification() {}

    /**
     * The k that {@code parameter} asks for; INVALID_ARGUMENT naming {@code field} unless it is an
     * integer (int64_param over gRPC, a JSON integer over REST) from 1 to the number of classes.
     */
    static int count(InferParameter parameter, String field) {
        boolean integer = parameter.getParameterChoiceCase() == InferParameter.ParameterChoiceCase.INT64_PARAM;
        if (!integer || parameter.getInt64Param() < 1 || parameter.getInt64Param() > FashionMnist.CLASSES) {
            throw InferRequestRules.invalid(field + ": expected an integer from 1 to " + FashionMnist.CLASSES
                    + " (the classes to return), got " + describe(parameter));
        }
        return (int) parameter.getInt64Param();
    }

    /** The top {@code k} of each row of {@code probabilities}, row after row: N * k strings. */
    public static List<String> topK(float[][] probabilities, int k) {
        List<String> classes = new ArrayList<>(probabilities.length * k);
        for (float[] row : probabilities) {
            IntStream.range(0, row.length).boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> row[i]).reversed().thenComparingInt(i -> i))
                    .limit(k)
                    .forEach(i -> classes.add(value(row[i]) + ":" + i + ":" + FashionMnist.CLASS_NAMES[i]));
        }
        return classes;
    }

    /** A float as C++'s std::to_string prints it (Triton's "%f"): six decimals of its exact value, ties to even. */
    static String value(float v) {
        if (Float.isNaN(v)) {
            return "nan";
        }
        if (Float.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        String text = new BigDecimal(v).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
        return Math.copySign(1f, v) < 0 && !text.startsWith("-") ? "-" + text : text;
    }

    /** BYTES elements as Triton's raw and binary tensors carry them: each a 4-byte little-endian length, then its bytes. */
    public static byte[] serialize(List<ByteString> elements) {
        int size = elements.stream().mapToInt(e -> Integer.BYTES + e.size()).sum();
        ByteBuffer bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (ByteString element : elements) {
            bytes.putInt(element.size()).put(element.asReadOnlyByteBuffer());
        }
        return bytes.array();
    }

    /** The elements of a length-prefixed BYTES tensor, as {@link #serialize} wrote them. */
    public static List<ByteString> deserialize(ByteString raw) {
        ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        List<ByteString> elements = new ArrayList<>();
        while (bytes.hasRemaining()) {
            int length = bytes.getInt();
            elements.add(ByteString.copyFrom(bytes.slice().limit(length)));
            bytes.position(bytes.position() + length);
        }
        return elements;
    }

    /** A parameter's value as a refusal quotes it. */
    static String describe(InferParameter p) {
        return switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> String.valueOf(p.getBoolParam());
            case INT64_PARAM -> String.valueOf(p.getInt64Param());
            case STRING_PARAM -> "\"" + p.getStringParam() + "\"";
            case DOUBLE_PARAM -> String.valueOf(p.getDoubleParam());
            case UINT64_PARAM -> Long.toUnsignedString(p.getUint64Param()) + " as uint64_param (send int64_param)";
            case PARAMETERCHOICE_NOT_SET -> "no value";
        };
    }
}
