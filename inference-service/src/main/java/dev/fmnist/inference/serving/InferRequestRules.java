package dev.fmnist.inference.serving;

import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.v1.Conversion;
import io.grpc.Status;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The shape of a ModelInfer request, checked as Triton checks it before any tensor is read: one input,
 * {@value #INPUT} (FP32 or UINT8 pixels) or {@value #ENCODED_INPUT} (BYTES, one PNG or JPEG file per
 * element), its data either raw or typed (never both, one raw buffer per input), typed contents of its
 * own datatype, outputs that exist, each once, and no parameter that would change what the request
 * means but the encoded images' {@value #CONVERSION} and {@value #RESIZE}. Every refusal is
 * INVALID_ARGUMENT naming the field.
 */
final class InferRequestRules {

    static final String INPUT = "images";
    static final String ENCODED_INPUT = "encoded_images";
    static final String OUTPUT = "probabilities";
    /** Request parameter: how encoded images are converted, fmnist.v1's Conversion in lower case. */
    static final String CONVERSION = "conversion";
    /** Request parameter: under conversion "none", scale an image that is not 28x28 (fmnist.v1's resize). */
    static final String RESIZE = "resize";
    private static final Map<String, Conversion> CONVERSIONS = Map.of("auto", Conversion.CONVERSION_AUTO, "photo",
            Conversion.CONVERSION_PHOTO, "none", Conversion.CONVERSION_NONE);
    /**
     * Request parameters: scheduling hints that change nothing here, and the encoded images' conversion
     * (ignored by pixels, as fmnist.v1 ignores it for raw images); any other is refused by name.
     */
    static final Set<String> REQUEST_PARAMETERS = Set.of("priority", "timeout", CONVERSION, RESIZE);
    /** Input parameters of the HTTP binary extension, harmless over gRPC. */
    static final Set<String> INPUT_PARAMETERS = Set.of("binary_data_size");
    /** Output parameters: the HTTP binary extension's, and the classification extension's top k. */
    static final Set<String> OUTPUT_PARAMETERS = Set.of("binary_data", Classification.PARAMETER);

    private InferRequestRules() {}

    /** Throws INVALID_ARGUMENT naming the first rule {@code request} breaks. */
    static void check(ModelInferRequest request) {
        parameters("parameters", request.getParametersMap(), REQUEST_PARAMETERS);
        conversion(request);
        resize(request);
        Set<String> inputs = new HashSet<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
            InferInputTensor input = request.getInputs(i);
            String field = "inputs[" + i + "]";
            boolean encoded = input.getName().equals(ENCODED_INPUT);
            if (!encoded && !input.getName().equals(INPUT)) {
                throw invalid(field + ".name: unexpected inference input '" + input.getName() + "'; this model takes '"
                        + INPUT + "' or '" + ENCODED_INPUT + "'");
            }
            if (!inputs.add(input.getName())) {
                throw invalid(field + ".name: input '" + input.getName() + "' is given more than once");
            }
            if (inputs.size() > 1) {
                throw invalid(field + ".name: '" + INPUT + "' and '" + ENCODED_INPUT
                        + "' are both given; send exactly one of them");
            }
            // before the shape and the data, so a tensor of the wrong kind is refused by its datatype
            if (encoded && !input.getDatatype().equals("BYTES")) {
                throw invalid(field + ".datatype: expected BYTES (one PNG or JPEG file per element) for '"
                        + ENCODED_INPUT + "', got '" + input.getDatatype() + "'");
            }
            if (!encoded && !input.getDatatype().equals("FP32") && !input.getDatatype().equals("UINT8")) {
                throw invalid(field + ".datatype: expected FP32 or UINT8, got '" + input.getDatatype() + "'");
            }
            parameters(field + ".parameters", input.getParametersMap(), INPUT_PARAMETERS);
        }
        if (inputs.isEmpty()) {
            throw invalid("inputs: expected 1 input tensor, '" + INPUT + "' or '" + ENCODED_INPUT + "', got none");
        }
        int raw = request.getRawInputContentsCount();
        if (raw > 0 && raw != request.getInputsCount()) {
            throw invalid("raw_input_contents: expected " + request.getInputsCount() + " buffer (one per input), got " + raw);
        }
        InferInputTensor input = request.getInputs(0);
        int typed = typedValues(input.getContents());
        if (raw > 0 && typed > 0) {
            throw invalid("inputs[0].contents: set together with raw_input_contents[0]; send the tensor one way only");
        }
        if (raw == 0) {
            requireOnlyContentsOf(input);
        }
        Set<String> outputs = new HashSet<>();
        for (int i = 0; i < request.getOutputsCount(); i++) {
            InferRequestedOutputTensor output = request.getOutputs(i);
            String field = "outputs[" + i + "]";
            if (!output.getName().equals(OUTPUT)) {
                throw invalid(field + ".name: unknown output '" + output.getName() + "', this model has '" + OUTPUT + "'");
            }
            if (!outputs.add(output.getName())) {
                throw invalid(field + ".name: output '" + output.getName() + "' is requested more than once");
            }
            parameters(field + ".parameters", output.getParametersMap(), OUTPUT_PARAMETERS);
            classification(output, field);
        }
    }

    /** The request's {@value #CONVERSION}: "auto" (the default), "photo" or "none"; anything else refused by name. */
    static Conversion conversion(ModelInferRequest request) {
        InferParameter p = request.getParametersMap().get(CONVERSION);
        if (p == null) {
            return Conversion.CONVERSION_AUTO;
        }
        Conversion conversion = p.getParameterChoiceCase() == InferParameter.ParameterChoiceCase.STRING_PARAM
                ? CONVERSIONS.get(p.getStringParam()) : null;
        if (conversion == null) {
            throw invalid("parameters." + CONVERSION + ": expected \"auto\", \"photo\" or \"none\", got "
                    + Classification.describe(p));
        }
        return conversion;
    }

    /** The request's {@value #RESIZE}: false unless given, a bool. */
    static boolean resize(ModelInferRequest request) {
        InferParameter p = request.getParametersMap().get(RESIZE);
        if (p == null) {
            return false;
        }
        if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
            throw invalid("parameters." + RESIZE + ": expected true or false, got " + Classification.describe(p));
        }
        return p.getBoolParam();
    }

    /** The top k the request asks of its output ({@link Classification}), 0 for the probabilities themselves. */
    static int classification(ModelInferRequest request) {
        return request.getOutputsCount() == 0 ? 0 : classification(request.getOutputs(0), "outputs[0]");
    }

    private static int classification(InferRequestedOutputTensor output, String field) {
        InferParameter k = output.getParametersMap().get(Classification.PARAMETER);
        return k == null ? 0 : Classification.count(k, field + ".parameters." + Classification.PARAMETER);
    }

    /** Typed contents must be the datatype's own field: fp32_contents for FP32, uint_contents for UINT8. */
    private static void requireOnlyContentsOf(InferInputTensor input) {
        InferTensorContents c = input.getContents();
        String own = switch (input.getDatatype()) {
            case "FP32" -> "fp32_contents";
            case "UINT8" -> "uint_contents";
            case "BYTES" -> "bytes_contents";
            default -> null; // the datatype itself is refused where the tensor is read
        };
        if (own == null) {
            return;
        }
        Map<String, Integer> counts = Map.of("bool_contents", c.getBoolContentsCount(), "int_contents",
                c.getIntContentsCount(), "int64_contents", c.getInt64ContentsCount(), "uint_contents",
                c.getUintContentsCount(), "uint64_contents", c.getUint64ContentsCount(), "fp32_contents",
                c.getFp32ContentsCount(), "fp64_contents", c.getFp64ContentsCount(), "bytes_contents",
                c.getBytesContentsCount());
        counts.forEach((name, count) -> {
            if (count > 0 && !name.equals(own)) {
                throw invalid("inputs[0].contents." + name + ": does not match datatype " + input.getDatatype()
                        + "; use " + own);
            }
        });
    }

    private static int typedValues(InferTensorContents c) {
        return c.getBoolContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount()
                + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp32ContentsCount()
                + c.getFp64ContentsCount() + c.getBytesContentsCount();
    }

    private static void parameters(String field, Map<String, InferParameter> parameters, Set<String> allowed) {
        for (String name : parameters.keySet()) {
            if (!allowed.contains(name)) {
                throw invalid(field + "." + name + ": not supported by this model (accepted: "
                        + (allowed.isEmpty() ? "none" : String.join(", ", allowed.stream().sorted().toList())) + ")");
            }
        }
    }

    static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
