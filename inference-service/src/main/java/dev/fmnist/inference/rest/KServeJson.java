package dev.fmnist.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.fmnist.inference.serving.Classification;
import dev.fmnist.inference.serving.InferenceServer;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * KServe v2 REST bodies to and from the Open Inference Protocol messages, so REST requests meet the
 * same rules, messages and batcher as gRPC ones. JSON tensors ({@code data} flat or nested), and
 * Triton's binary tensor extension: a JSON header of {@code Inference-Header-Content-Length} bytes,
 * then each binary input's bytes in order ({@code parameters.binary_data_size}); outputs come back
 * binary when asked ({@code binary_data} on the output, or {@code binary_data_output} on the request).
 * Every refusal is INVALID_ARGUMENT naming the field.
 */
final class KServeJson {

    static final ObjectMapper MAPPER = new ObjectMapper();
    /** The binary extension's input parameter: how many bytes of the body after the JSON are this input's. */
    static final String BINARY_DATA_SIZE = "binary_data_size";
    /** The binary extension's output parameter, and its request-wide form. */
    static final String BINARY_DATA = "binary_data";
    static final String BINARY_DATA_OUTPUT = "binary_data_output";
    private static final Set<String> REQUEST_FIELDS = Set.of("id", "parameters", "inputs", "outputs");
    private static final Set<String> INPUT_FIELDS = Set.of("name", "shape", "datatype", "parameters", "data");
    private static final Set<String> OUTPUT_FIELDS = Set.of("name", "parameters");

    /** A request as the engine takes it, and whether its outputs go back binary. */
    record Parsed(ModelInferRequest request, boolean binaryOutput) {}

    private KServeJson() {}

    /**
     * Reads an infer body for {@code model} ({@code version} may be empty). {@code headerLength} is the
     * {@code Inference-Header-Content-Length} header (null without binary data); {@code maxValues}
     * bounds the values one request may carry.
     */
    static Parsed request(String model, String version, byte[] body, String headerLength, long maxValues) {
        int jsonLength = body.length;
        if (headerLength != null) {
            try {
                jsonLength = Integer.parseInt(headerLength.trim());
            } catch (NumberFormatException e) {
                throw invalid("Inference-Header-Content-Length: not a number: '" + headerLength + "'");
            }
            if (jsonLength < 0 || jsonLength > body.length) {
                throw invalid("Inference-Header-Content-Length: " + jsonLength + " is outside the body's " + body.length
                        + " bytes");
            }
        }
        StreamedRequest.Read streamed = StreamedRequest.read(body, jsonLength, maxValues);
        JsonNode root = streamed.root();
        onlyFields(root, REQUEST_FIELDS, "");
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model).setModelVersion(version);
        if (root.has("id")) {
            request.setId(text(root.get("id"), "id"));
        }
        boolean binaryOutput = false;
        Map<String, InferParameter> parameters = parameters(root.get("parameters"), "parameters");
        InferParameter binaryOut = parameters.remove(BINARY_DATA_OUTPUT);
        if (binaryOut != null) {
            binaryOutput = bool(binaryOut, "parameters." + BINARY_DATA_OUTPUT);
        }
        request.putAllParameters(parameters);
        JsonNode inputs = root.get("inputs");
        if (inputs == null || !inputs.isArray()) {
            throw invalid("inputs: required, an array of tensors");
        }
        int binaryOffset = jsonLength;
        for (int i = 0; i < inputs.size(); i++) {
            String field = "inputs[" + i + "]";
            JsonNode input = inputs.get(i);
            if (!input.isObject()) {
                throw invalid(field + ": expected an object");
            }
            onlyFields(input, INPUT_FIELDS, field + ".");
            InferInputTensor.Builder tensor = InferInputTensor.newBuilder()
                    .setName(text(required(input, "name", field), field + ".name"))
                    .setDatatype(text(required(input, "datatype", field), field + ".datatype"));
            JsonNode shape = required(input, "shape", field);
            if (!shape.isArray()) {
                throw invalid(field + ".shape: expected an array of integers");
            }
            for (int d = 0; d < shape.size(); d++) {
                if (!shape.get(d).canConvertToLong() || !shape.get(d).isIntegralNumber()) {
                    throw invalid(field + ".shape[" + d + "]: expected an integer, got " + shape.get(d));
                }
                tensor.addShape(shape.get(d).asLong());
            }
            Map<String, InferParameter> inputParameters = parameters(input.get("parameters"), field + ".parameters");
            InferParameter binarySize = inputParameters.remove(BINARY_DATA_SIZE);
            tensor.putAllParameters(inputParameters);
            if (binarySize != null) {
                if (input.has("data")) {
                    throw invalid(field + ": both data and parameters." + BINARY_DATA_SIZE + "; send the tensor one way only");
                }
                long size = binarySize.getInt64Param();
                if (binarySize.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.INT64_PARAM || size < 0
                        || size > body.length - binaryOffset) {
                    throw invalid(field + ".parameters." + BINARY_DATA_SIZE + ": expected 0 to "
                            + (body.length - binaryOffset) + " (the binary bytes left), got " + binarySize);
                }
                request.addRawInputContents(ByteString.copyFrom(body, binaryOffset, (int) size));
                binaryOffset += (int) size;
            } else {
                required(input, "data", field);
                if (tensor.getDatatype().equals("BYTES") && tensor.getName().equals(InferenceServer.ENCODED_INPUT.name())) {
                    // KServe v2 carries BYTES in JSON as strings, with no convention for binary files in them
                    throw invalid(field + ".data: encoded images cannot travel as JSON strings; send '"
                            + InferenceServer.ENCODED_INPUT.name() + "' with the binary tensor extension ("
                            + BINARY_DATA_SIZE + "; tritonclient: set_data_from_numpy(..., binary_data=True))");
                }
                tensor.setContents(contents(streamed.data().get(i), tensor.getDatatype(), field + ".data"));
            }
            request.addInputs(tensor);
        }
        if (binaryOffset != body.length) {
            throw invalid("body: " + (body.length - binaryOffset) + " bytes after the JSON that no input's "
                    + BINARY_DATA_SIZE + " claims");
        }
        JsonNode outputs = root.get("outputs");
        if (outputs != null) {
            if (!outputs.isArray()) {
                throw invalid("outputs: expected an array");
            }
            for (int i = 0; i < outputs.size(); i++) {
                String field = "outputs[" + i + "]";
                JsonNode output = outputs.get(i);
                if (!output.isObject()) {
                    throw invalid(field + ": expected an object");
                }
                onlyFields(output, OUTPUT_FIELDS, field + ".");
                Map<String, InferParameter> outputParameters = parameters(output.get("parameters"), field + ".parameters");
                InferParameter binary = outputParameters.get(BINARY_DATA);
                if (binary != null && bool(binary, field + ".parameters." + BINARY_DATA)) {
                    binaryOutput = true;
                }
                request.addOutputs(InferRequestedOutputTensor.newBuilder()
                        .setName(text(required(output, "name", field), field + ".name")).putAllParameters(outputParameters));
            }
        }
        return new Parsed(request.build(), binaryOutput);
    }

    /**
     * The response's JSON; with {@code binary}, the tensors follow it: probabilities as raw little-endian
     * floats, a classification's strings (BYTES) length-prefixed as Triton sends them.
     */
    static Body response(ModelInferResponse response, boolean binary) {
        ObjectNode root = MAPPER.createObjectNode().put("model_name", response.getModelName())
                .put("model_version", response.getModelVersion());
        if (!response.getId().isEmpty()) {
            root.put("id", response.getId());
        }
        if (response.getParametersCount() > 0) {
            ObjectNode parameters = root.putObject("parameters");
            response.getParametersMap().forEach((key, value) -> {
                switch (value.getParameterChoiceCase()) {
                    case BOOL_PARAM -> parameters.put(key, value.getBoolParam());
                    case INT64_PARAM -> parameters.put(key, value.getInt64Param());
                    case DOUBLE_PARAM -> parameters.put(key, value.getDoubleParam());
                    case UINT64_PARAM -> parameters.put(key, new java.math.BigInteger(
                            Long.toUnsignedString(value.getUint64Param())));
                    default -> parameters.put(key, value.getStringParam());
                }
            });
        }
        ArrayNode outputs = root.putArray("outputs");
        List<byte[]> binaries = new ArrayList<>();
        for (int i = 0; i < response.getOutputsCount(); i++) {
            ModelInferResponse.InferOutputTensor tensor = response.getOutputs(i);
            ObjectNode output = outputs.addObject().put("name", tensor.getName()).put("datatype", tensor.getDatatype());
            ArrayNode shape = output.putArray("shape");
            tensor.getShapeList().forEach(shape::add);
            if (tensor.getDatatype().equals("BYTES")) {
                List<ByteString> elements = response.getRawOutputContentsCount() > i
                        ? Classification.deserialize(response.getRawOutputContents(i))
                        : tensor.getContents().getBytesContentsList();
                if (binary) {
                    byte[] bytes = Classification.serialize(elements);
                    binaries.add(bytes);
                    output.putObject("parameters").put(BINARY_DATA_SIZE, bytes.length);
                } else {
                    ArrayNode data = output.putArray("data");
                    elements.forEach(e -> data.add(e.toStringUtf8()));
                }
                continue;
            }
            float[] values = floats(response, i);
            if (binary) {
                ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : values) {
                    bytes.putFloat(v);
                }
                binaries.add(bytes.array());
                output.putObject("parameters").put(BINARY_DATA_SIZE, values.length * Float.BYTES);
            } else {
                ArrayNode data = output.putArray("data");
                for (float v : values) {
                    data.add(v);
                }
            }
        }
        try {
            return new Body(MAPPER.writeValueAsBytes(root), binaries);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A response body: its JSON, then its binary tensors (none without the extension). */
    record Body(byte[] json, List<byte[]> binaries) {

        byte[] bytes() {
            int length = json.length + binaries.stream().mapToInt(b -> b.length).sum();
            ByteBuffer all = ByteBuffer.allocate(length).put(json);
            binaries.forEach(all::put);
            return all.array();
        }
    }

    private static float[] floats(ModelInferResponse response, int output) {
        if (response.getRawOutputContentsCount() > output) {
            ByteBuffer raw = response.getRawOutputContents(output).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(values);
            return values;
        }
        List<Float> typed = response.getOutputs(output).getContents().getFp32ContentsList();
        float[] values = new float[typed.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = typed.get(i);
        }
        return values;
    }

    /** {@code data}'s values as the typed contents of {@code datatype}; other datatypes are refused later by name. */
    private static InferTensorContents contents(StreamedRequest.Values data, String datatype, String field) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        switch (datatype) {
            case "FP32" -> {
                for (int i = 0; i < data.count(); i++) {
                    contents.addFp32Contents((float) data.value(i));
                }
            }
            case "UINT8" -> {
                for (int i = 0; i < data.count(); i++) {
                    double v = data.value(i);
                    if (!data.integral(i) || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw invalid(field + ": element " + i + " is " + data.text(i) + ", expected an integer 0..255");
                    }
                    contents.addUintContents((int) v); // the shared rules refuse it outside 0..255
                }
            }
            default -> {
                // the datatype itself is refused by the shared rules, naming it
            }
        }
        return contents.build();
    }

    private static Map<String, InferParameter> parameters(JsonNode node, String field) {
        Map<String, InferParameter> parameters = new LinkedHashMap<>();
        if (node == null) {
            return parameters;
        }
        if (!node.isObject()) {
            throw invalid(field + ": expected an object");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode v = entry.getValue();
            InferParameter.Builder p = InferParameter.newBuilder();
            if (v.isBoolean()) {
                p.setBoolParam(v.booleanValue());
            } else if (v.isIntegralNumber() && v.canConvertToLong()) {
                p.setInt64Param(v.longValue());
            } else if (v.isNumber()) {
                p.setDoubleParam(v.doubleValue());
            } else if (v.isTextual()) {
                p.setStringParam(v.textValue());
            } else {
                throw invalid(field + "." + entry.getKey() + ": expected a boolean, number or string, got " + v.getNodeType());
            }
            parameters.put(entry.getKey(), p.build());
        }
        return parameters;
    }

    private static boolean bool(InferParameter p, String field) {
        if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
            throw invalid(field + ": expected true or false");
        }
        return p.getBoolParam();
    }

    private static JsonNode required(JsonNode node, String name, String field) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw invalid(field + "." + name + ": required");
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        if (!node.isTextual()) {
            throw invalid(field + ": expected a string, got " + node.getNodeType());
        }
        return node.textValue();
    }

    private static void onlyFields(JsonNode node, Set<String> known, String prefix) {
        node.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw invalid(prefix + name + ": unknown field (expected " + String.join(", ", known.stream().sorted()
                        .toList()) + ")");
            }
        });
    }

    static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
