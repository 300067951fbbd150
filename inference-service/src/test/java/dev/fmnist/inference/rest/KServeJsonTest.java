package dev.fmnist.inference.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.fmnist.inference.serving.Classification;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelInferResponse.InferOutputTensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * KServe v2 REST bodies to Open Inference Protocol messages and back, without a server: every shape
 * and datatype the reader accepts, the binary tensor extension both ways, and every refusal, each
 * INVALID_ARGUMENT naming the field.
 */
class KServeJsonTest {

    private static final long MAX_VALUES = 64 * 784;
    private static final String IMAGES_FP32 = "{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":[1,4],";

    private static KServeJson.Parsed parse(String json) {
        return KServeJson.request("mlp", "", json.getBytes(StandardCharsets.UTF_8), null, MAX_VALUES);
    }

    private static KServeJson.Parsed parseBinary(String json, byte[]... tensors) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return KServeJson.request("mlp", "", body(header, tensors), String.valueOf(header.length), MAX_VALUES);
    }

    private static byte[] body(byte[] header, byte[]... tensors) {
        ByteBuffer all = ByteBuffer.allocate(header.length + Arrays.stream(tensors).mapToInt(t -> t.length).sum());
        all.put(header);
        Arrays.stream(tensors).forEach(all::put);
        return all.array();
    }

    /** The INVALID_ARGUMENT that reading {@code json} gives; its message. */
    private static String refusal(String json) {
        return refusal(json.getBytes(StandardCharsets.UTF_8), null);
    }

    private static String refusal(byte[] body, String headerLength) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> KServeJson.request("mlp", "", body, headerLength, MAX_VALUES));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return e.getStatus().getDescription();
    }

    @Test
    void flatAndNestedFp32DataGiveTheSameTensor() {
        ModelInferRequest flat = parse("{\"inputs\":[" + IMAGES_FP32 + "\"data\":[0.5,1,0.25,0]}]}").request();
        ModelInferRequest nested = parse("{\"inputs\":[" + IMAGES_FP32 + "\"data\":[[[[0.5,1],[0.25,0]]]]}]}")
                .request();

        assertThat(flat.getModelName()).isEqualTo("mlp");
        assertThat(flat.getModelVersion()).isEmpty();
        assertThat(flat.getInputsCount()).isEqualTo(1);
        ModelInferRequest.InferInputTensor tensor = flat.getInputs(0);
        assertThat(tensor.getName()).isEqualTo("images");
        assertThat(tensor.getDatatype()).isEqualTo("FP32");
        assertThat(tensor.getShapeList()).containsExactly(1L, 4L);
        assertThat(tensor.getContents().getFp32ContentsList()).containsExactly(0.5f, 1f, 0.25f, 0f);
        assertThat(nested.getInputs(0)).isEqualTo(tensor);
        assertThat(flat.getRawInputContentsCount()).isZero();
    }

    @Test
    void uint8DataGoesToUintContentsAndRefusesFractionsByElement() {
        ModelInferRequest request = parse("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,3],"
                + "\"data\":[0,128,255]}]}").request();
        assertThat(request.getInputs(0).getContents().getUintContentsList()).containsExactly(0, 128, 255);
        assertThat(request.getInputs(0).getContents().getFp32ContentsCount()).isZero();

        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,3],"
                + "\"data\":[0,1,2.5]}]}")).isEqualTo("inputs[0].data: element 2 is 2.5, expected an integer 0..255");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,1],"
                + "\"data\":[99999999999]}]}")).isEqualTo(
                        "inputs[0].data: element 0 is 99999999999, expected an integer 0..255");
    }

    @Test
    void anotherDatatypeKeepsItsNameAndNoContentsForTheSharedRulesToRefuse() {
        ModelInferRequest request = parse("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"INT64\",\"shape\":[1],"
                + "\"data\":[7]}]}").request();
        assertThat(request.getInputs(0).getDatatype()).isEqualTo("INT64");
        assertThat(request.getInputs(0).getContents()).isEqualTo(InferTensorContents.getDefaultInstance());
    }

    @Test
    void idParametersAndOutputsAreCarriedOver() {
        KServeJson.Parsed parsed = parse("{\"id\":\"r-1\",\"parameters\":{\"flag\":true,\"count\":3,\"ratio\":0.5,"
                + "\"label\":\"x\"},\"inputs\":[" + IMAGES_FP32 + "\"parameters\":{\"p\":1},\"data\":[0,0,0,0]}],"
                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"class_count\":2}}]}");
        ModelInferRequest request = parsed.request();

        assertThat(parsed.binaryOutput()).isFalse();
        assertThat(request.getId()).isEqualTo("r-1");
        assertThat(request.getParametersMap()).containsOnlyKeys("flag", "count", "ratio", "label");
        assertThat(request.getParametersMap().get("flag").getBoolParam()).isTrue();
        assertThat(request.getParametersMap().get("count").getInt64Param()).isEqualTo(3);
        assertThat(request.getParametersMap().get("ratio").getDoubleParam()).isEqualTo(0.5);
        assertThat(request.getParametersMap().get("label").getStringParam()).isEqualTo("x");
        assertThat(request.getInputs(0).getParametersMap().get("p").getInt64Param()).isEqualTo(1);
        assertThat(request.getOutputsCount()).isEqualTo(1);
        assertThat(request.getOutputs(0).getName()).isEqualTo("probabilities");
        assertThat(request.getOutputs(0).getParametersMap().get("class_count").getInt64Param()).isEqualTo(2);
    }

    @Test
    void binaryOutputIsAskedOnTheRequestOrOnAnOutput() {
        String input = "\"inputs\":[" + IMAGES_FP32 + "\"data\":[0,0,0,0]}]";
        KServeJson.Parsed requestWide = parse("{\"parameters\":{\"binary_data_output\":true}," + input + "}");
        assertThat(requestWide.binaryOutput()).isTrue();
        assertThat(requestWide.request().getParametersMap()).as("the extension's own parameter is consumed")
                .doesNotContainKey(KServeJson.BINARY_DATA_OUTPUT);

        assertThat(parse("{\"parameters\":{\"binary_data_output\":false}," + input + "}").binaryOutput()).isFalse();
        assertThat(parse("{" + input + ",\"outputs\":[{\"name\":\"probabilities\",\"parameters\":"
                + "{\"binary_data\":true}}]}").binaryOutput()).isTrue();
        assertThat(parse("{" + input + ",\"outputs\":[{\"name\":\"probabilities\",\"parameters\":"
                + "{\"binary_data\":false}}]}").binaryOutput()).isFalse();

        assertThat(refusal("{\"parameters\":{\"binary_data_output\":1}," + input + "}"))
                .isEqualTo("parameters.binary_data_output: expected true or false");
        assertThat(refusal("{" + input + ",\"outputs\":[{\"name\":\"probabilities\",\"parameters\":"
                + "{\"binary_data\":\"yes\"}}]}")).isEqualTo("outputs[0].parameters.binary_data: expected true or false");
    }

    @Test
    void binaryInputsTakeTheirBytesInOrderAfterTheJson() {
        byte[] first = {1, 2, 3};
        byte[] second = {4, 5};
        ModelInferRequest request = parseBinary("{\"inputs\":["
                + "{\"name\":\"a\",\"datatype\":\"UINT8\",\"shape\":[1,3],\"parameters\":{\"binary_data_size\":3}},"
                + "{\"name\":\"b\",\"datatype\":\"UINT8\",\"shape\":[1,2],\"parameters\":{\"binary_data_size\":2}}]}",
                first, second).request();

        assertThat(request.getRawInputContentsList()).containsExactly(ByteString.copyFrom(first),
                ByteString.copyFrom(second));
        assertThat(request.getInputs(0).getParametersMap()).as("the extension's own parameter is consumed")
                .doesNotContainKey(KServeJson.BINARY_DATA_SIZE);
        assertThat(request.getInputs(0).hasContents()).isFalse();
    }

    @Test
    void theBinaryExtensionsRefusalsNameTheHeaderOrTheField() {
        byte[] json = "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8);
        assertThat(refusal(json, "twelve")).isEqualTo("Inference-Header-Content-Length: not a number: 'twelve'");
        assertThat(refusal(json, "-1")).isEqualTo("Inference-Header-Content-Length: -1 is outside the body's "
                + json.length + " bytes");
        assertThat(refusal(json, String.valueOf(json.length + 1))).isEqualTo("Inference-Header-Content-Length: "
                + (json.length + 1) + " is outside the body's " + json.length + " bytes");
        assertThat(refusal(body(json, new byte[] {9, 9}), String.valueOf(json.length)))
                .isEqualTo("body: 2 bytes after the JSON that no input's binary_data_size claims");

        String sized = "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,2],\"parameters\":"
                + "{\"binary_data_size\":%s}%s}]}";
        assertThat(binaryRefusal(String.format(sized, "3", ""), 2))
                .isEqualTo("inputs[0].parameters.binary_data_size: expected 0 to 2 (the binary bytes left), got "
                        + InferParameter.newBuilder().setInt64Param(3).build());
        assertThat(binaryRefusal(String.format(sized, "-1", ""), 2))
                .startsWith("inputs[0].parameters.binary_data_size: expected 0 to 2 (the binary bytes left), got ");
        assertThat(binaryRefusal(String.format(sized, "\"2\"", ""), 2))
                .startsWith("inputs[0].parameters.binary_data_size: expected 0 to 2 (the binary bytes left), got ");
        assertThat(binaryRefusal(String.format(sized, "2", ",\"data\":[1,2]"), 2))
                .isEqualTo("inputs[0]: both data and parameters.binary_data_size; send the tensor one way only");
    }

    private static String binaryRefusal(String json, int binaryBytes) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return refusal(body(header, new byte[binaryBytes]), String.valueOf(header.length));
    }

    @Test
    void everyMalformedRequestIsRefusedNamingItsField() {
        String images = IMAGES_FP32 + "\"data\":[0,0,0,0]}";
        assertThat(refusal("{\"inputs\":[" + images + "],\"priority\":1}"))
                .isEqualTo("priority: unknown field (expected id, inputs, outputs, parameters)");
        assertThat(refusal("{}")).isEqualTo("inputs: required, an array of tensors");
        assertThat(refusal("{\"inputs\":{}}")).isEqualTo("inputs: required, an array of tensors");
        assertThat(refusal("{\"id\":7,\"inputs\":[" + images + "]}")).isEqualTo("id: expected a string, got NUMBER");
        assertThat(refusal("{\"parameters\":[],\"inputs\":[" + images + "]}"))
                .isEqualTo("parameters: expected an object");
        assertThat(refusal("{\"parameters\":{\"p\":[1]},\"inputs\":[" + images + "]}"))
                .isEqualTo("parameters.p: expected a boolean, number or string, got ARRAY");
        assertThat(refusal("{\"parameters\":{\"p\":null},\"inputs\":[" + images + "]}"))
                .isEqualTo("parameters.p: expected a boolean, number or string, got NULL");

        assertThat(refusal("{\"inputs\":[7]}")).isEqualTo("inputs[0]: expected an object");
        assertThat(refusal("{\"inputs\":[" + images + "," + IMAGES_FP32 + "\"data\":[0,0,0,0],\"dims\":[1]}]}"))
                .isEqualTo("inputs[1].dims: unknown field (expected data, datatype, name, parameters, shape)");
        assertThat(refusal("{\"inputs\":[{\"datatype\":\"FP32\",\"shape\":[1],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].name: required");
        assertThat(refusal("{\"inputs\":[{\"name\":null,\"datatype\":\"FP32\",\"shape\":[1],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].name: required");
        assertThat(refusal("{\"inputs\":[{\"name\":3,\"datatype\":\"FP32\",\"shape\":[1],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].name: expected a string, got NUMBER");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"shape\":[1],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].datatype: required");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"data\":[0]}]}"))
                .isEqualTo("inputs[0].shape: required");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":1,\"data\":[0]}]}"))
                .isEqualTo("inputs[0].shape: expected an array of integers");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":[1,1.5],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].shape[1]: expected an integer, got 1.5");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":[\"1\"],\"data\":[0]}]}"))
                .isEqualTo("inputs[0].shape[0]: expected an integer, got \"1\"");
        assertThat(refusal("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":[1]}]}"))
                .isEqualTo("inputs[0].data: required");
        assertThat(refusal("{\"inputs\":[" + IMAGES_FP32 + "\"parameters\":3,\"data\":[0,0,0,0]}]}"))
                .isEqualTo("inputs[0].parameters: expected an object");

        assertThat(refusal("{\"inputs\":[" + images + "],\"outputs\":{}}")).isEqualTo("outputs: expected an array");
        assertThat(refusal("{\"inputs\":[" + images + "],\"outputs\":[\"probabilities\"]}"))
                .isEqualTo("outputs[0]: expected an object");
        assertThat(refusal("{\"inputs\":[" + images + "],\"outputs\":[{}]}")).isEqualTo("outputs[0].name: required");
        assertThat(refusal("{\"inputs\":[" + images + "],\"outputs\":[{\"name\":\"probabilities\",\"shape\":[1]}]}"))
                .isEqualTo("outputs[0].shape: unknown field (expected name, parameters)");
    }

    @Test
    void aJsonResponseCarriesEveryOutputsShapeAndValues() throws Exception {
        ModelInferResponse response = ModelInferResponse.newBuilder().setModelName("mlp").setModelVersion("v7")
                .setId("r-1").addOutputs(InferOutputTensor.newBuilder().setName("probabilities").setDatatype("FP32")
                        .addShape(1).addShape(3).setContents(InferTensorContents.newBuilder().addFp32Contents(0.25f)
                                .addFp32Contents(0.5f).addFp32Contents(0.25f)))
                .build();

        KServeJson.Body body = KServeJson.response(response, false);

        assertThat(body.binaries()).isEmpty();
        assertThat(body.bytes()).isEqualTo(body.json());
        JsonNode json = KServeJson.MAPPER.readTree(body.json());
        assertThat(json.get("model_name").asText()).isEqualTo("mlp");
        assertThat(json.get("model_version").asText()).isEqualTo("v7");
        assertThat(json.get("id").asText()).isEqualTo("r-1");
        JsonNode output = json.get("outputs").get(0);
        assertThat(output.get("name").asText()).isEqualTo("probabilities");
        assertThat(output.get("datatype").asText()).isEqualTo("FP32");
        assertThat(output.get("shape").toString()).isEqualTo("[1,3]");
        assertThat(output.get("data").toString()).isEqualTo("[0.25,0.5,0.25]");
        assertThat(output.has("parameters")).isFalse();
    }

    @Test
    void aBinaryResponseSendsRawLittleEndianFloatsAfterTheJson() throws Exception {
        float[] values = {0.125f, 0.875f};
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        ModelInferResponse response = ModelInferResponse.newBuilder().setModelName("mlp").setModelVersion("v7")
                .addOutputs(InferOutputTensor.newBuilder().setName("probabilities").setDatatype("FP32").addShape(1)
                        .addShape(2))
                .addRawOutputContents(ByteString.copyFrom(raw.array())).build();

        KServeJson.Body body = KServeJson.response(response, true);

        JsonNode json = KServeJson.MAPPER.readTree(body.json());
        assertThat(json.has("id")).as("no id asked, none answered").isFalse();
        JsonNode output = json.get("outputs").get(0);
        assertThat(output.has("data")).isFalse();
        assertThat(output.get("parameters").get(KServeJson.BINARY_DATA_SIZE).asInt()).isEqualTo(8);
        assertThat(body.binaries()).hasSize(1);
        assertThat(body.binaries().get(0)).isEqualTo(raw.array());
        byte[] all = body.bytes();
        assertThat(Arrays.copyOfRange(all, 0, body.json().length)).isEqualTo(body.json());
        assertThat(Arrays.copyOfRange(all, body.json().length, all.length)).isEqualTo(raw.array());

        // the same raw output as JSON numbers
        JsonNode asJson = KServeJson.MAPPER.readTree(KServeJson.response(response, false).json());
        assertThat(asJson.get("outputs").get(0).get("data").toString()).isEqualTo("[0.125,0.875]");
    }

    @Test
    void aClassificationIsJsonStringsOrLengthPrefixedBytesWhicheverWayTheEngineGaveIt() throws Exception {
        List<ByteString> top = List.of(ByteString.copyFromUtf8("0.900000:9:Ankle boot"),
                ByteString.copyFromUtf8("0.050000:7:Sneaker"));
        InferOutputTensor.Builder tensor = InferOutputTensor.newBuilder().setName("probabilities").setDatatype("BYTES")
                .addShape(1).addShape(2);
        ModelInferResponse typed = ModelInferResponse.newBuilder().setModelName("mlp").setModelVersion("v7")
                .addOutputs(tensor.clone().setContents(InferTensorContents.newBuilder().addAllBytesContents(top)))
                .build();
        ModelInferResponse raw = ModelInferResponse.newBuilder().setModelName("mlp").setModelVersion("v7")
                .addOutputs(tensor).addRawOutputContents(ByteString.copyFrom(Classification.serialize(top))).build();
        // 4-byte little-endian length, then the UTF-8 bytes, element after element
        ByteBuffer expected = ByteBuffer.allocate(8 + 21 + 18).order(ByteOrder.LITTLE_ENDIAN);
        expected.putInt(21).put("0.900000:9:Ankle boot".getBytes(StandardCharsets.UTF_8));
        expected.putInt(18).put("0.050000:7:Sneaker".getBytes(StandardCharsets.UTF_8));

        for (ModelInferResponse response : List.of(typed, raw)) {
            JsonNode json = KServeJson.MAPPER.readTree(KServeJson.response(response, false).json()).at("/outputs/0");
            assertThat(json.get("datatype").asText()).isEqualTo("BYTES");
            assertThat(json.get("shape").toString()).isEqualTo("[1,2]");
            assertThat(json.get("data").toString()).isEqualTo("[\"0.900000:9:Ankle boot\",\"0.050000:7:Sneaker\"]");

            KServeJson.Body binary = KServeJson.response(response, true);
            JsonNode header = KServeJson.MAPPER.readTree(binary.json()).at("/outputs/0");
            assertThat(header.has("data")).isFalse();
            assertThat(header.at("/parameters/" + KServeJson.BINARY_DATA_SIZE).asInt()).isEqualTo(47);
            assertThat(binary.binaries()).containsExactly(expected.array());
        }
    }
}
