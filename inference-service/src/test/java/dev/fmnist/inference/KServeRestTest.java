package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KServe v2 REST round trips on the HTTP port, as KServe's and Triton's HTTP clients send them: JSON
 * tensors flat and nested, the binary tensor extension both ways, and every refusal as
 * {@code {"error": ...}} with the status and the same message gRPC gives.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class KServeRestTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelArtefact artefact;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(31);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, artefact.manifest().version());
    }

    private static int[] pixels(int images) {
        byte[] raw = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, images * FashionMnist.PIXELS);
        int[] values = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            values[i] = raw[i] & 0xff;
        }
        return values;
    }

    private static String body(String datatype, String shape, String data) {
        return "{\"id\":\"r1\",\"inputs\":[{\"name\":\"images\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape
                + ",\"data\":" + data + "}]}";
    }

    private static Response infer(String body) {
        return given().contentType("application/json").body(body).post("/v2/models/mlp/infer");
    }

    @Test
    void healthServerAndModelMetadata() {
        given().get("/v2/health/live").then().statusCode(200).body("live", equalTo(true));
        given().get("/v2/health/ready").then().statusCode(200).body("ready", equalTo(true));
        given().get("/v2").then().statusCode(200).body("name", equalTo("fmnist-inference"))
                .body("extensions", hasItem("binary_tensor_data"));
        given().get("/v2/models/mlp").then().statusCode(200).body("name", equalTo("mlp"))
                .body("versions", contains(artefact.manifest().version())).body("platform", equalTo("pytorch_libtorch"))
                .body("inputs[0].shape", contains(-1, 1, 28, 28)).body("outputs[0].shape", contains(-1, 10));
        given().get("/v2/models/mlp/versions/" + artefact.manifest().version() + "/ready").then().statusCode(200)
                .body("ready", equalTo(true));
        given().get("/v2/models/resnet").then().statusCode(404)
                .body("error", equalTo("model: unknown model 'resnet'; this server serves mlp"));
        given().get("/v2/models/mlp/versions/000000000000/ready").then().statusCode(404)
                .body("error", startsWith("model_version: '000000000000' is not loaded; live is "));
    }

    @Test
    void jsonFlatAndNestedAndBinaryTensorsGiveWhatGrpcGives() throws Exception {
        int[] values = pixels(2);
        Response flat = infer(body("UINT8", "[2,784]", Arrays.toString(values)));
        flat.then().statusCode(200).body("model_name", equalTo("mlp")).body("id", equalTo("r1"))
                .body("model_version", equalTo(artefact.manifest().version()))
                .body("outputs[0].name", equalTo("probabilities")).body("outputs[0].shape", contains(2, 10));
        float[] fromRest = floats(JSON.readTree(flat.asByteArray()).at("/outputs/0/data"));

        byte[] raw = new byte[values.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) values[i];
        }
        ByteBuffer grpc = v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addShape(2).addShape(784))
                .addRawInputContents(ByteString.copyFrom(raw)).build()).getRawOutputContents(0).asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] fromGrpc = new float[20];
        grpc.asFloatBuffer().get(fromGrpc);
        assertThat(fromRest).containsExactly(fromGrpc);

        // FP32 nested as the shape says, [1, 1, 28, 28]
        StringBuilder nested = new StringBuilder("[[[");
        for (int row = 0; row < 28; row++) {
            nested.append(row == 0 ? "[" : ",[");
            for (int col = 0; col < 28; col++) {
                nested.append(col == 0 ? "" : ",").append(values[row * 28 + col] / 255f);
            }
            nested.append(']');
        }
        nested.append("]]]");
        float[] fromNested = floats(JSON.readTree(infer(body("FP32", "[1,1,28,28]", nested.toString())).then()
                .statusCode(200).extract().asByteArray()).at("/outputs/0/data"));
        assertThat(fromNested).containsExactly(Arrays.copyOf(fromGrpc, 10), offset(1e-5f));

        // the binary tensor extension: raw bytes after the JSON, probabilities back as raw floats
        byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[2,784],"
                + "\"parameters\":{\"binary_data_size\":" + raw.length + "}}],"
                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] request = ByteBuffer.allocate(header.length + raw.length).put(header).put(raw).array();
        Response binary = given().contentType("application/octet-stream")
                .header("Inference-Header-Content-Length", header.length).body(request).post("/v2/models/mlp/infer");
        binary.then().statusCode(200);
        int jsonLength = Integer.parseInt(binary.header("Inference-Header-Content-Length"));
        byte[] answer = binary.asByteArray();
        JsonNode meta = JSON.readTree(Arrays.copyOf(answer, jsonLength));
        assertThat(meta.at("/outputs/0/parameters/binary_data_size").asInt()).isEqualTo(80);
        float[] fromBinary = new float[20];
        ByteBuffer.wrap(answer, jsonLength, 80).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(fromBinary);
        assertThat(fromBinary).containsExactly(fromGrpc);
    }

    private static float[] floats(JsonNode data) {
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i).floatValue();
        }
        return values;
    }

    @Test
    void refusalsAreJsonErrorsWithTheirStatusAndTheGrpcMessage() {
        String[] grpcMessage = new String[1];
        try {
            v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp").addInputs(InferInputTensor.newBuilder()
                    .setName("images").setDatatype("UINT8").addShape(1).addShape(3)).build());
        } catch (StatusRuntimeException e) {
            grpcMessage[0] = e.getStatus().getDescription();
        }
        infer(body("UINT8", "[1,3]", "[1,2,3]")).then().statusCode(400).body("error", equalTo(grpcMessage[0]));
        assertThat(grpcMessage[0]).isEqualTo("inputs[0].shape: expected [N, 1, 28, 28] or [N, 784], got [1, 3]");

        int[] one = pixels(1);
        one[5] = 300;
        infer(body("UINT8", "[1,784]", Arrays.toString(one))).then().statusCode(400)
                .body("error", equalTo("inputs[0]: UINT8 pixels must be 0..255, element 5 is 300"));
        infer(body("FP32", "[1,784]", "[\"white\"" + ",0".repeat(783) + "]")).then().statusCode(400)
                .body("error", equalTo("inputs[0].data: element 0 is STRING, expected a number"));
        infer(body("UINT8", "[1,784]", "[1,2]")).then().statusCode(400)
                .body("error", equalTo("inputs[0].contents.uint_contents: expected 784 values for the declared shape, got 2"));
        infer(body("UINT8", "[1,784]", "[[[[[1]]]]]")).then().statusCode(400)
                .body("error", startsWith("inputs[0].data: nested deeper than"));
        infer("{\"inputs\": [").then().statusCode(400).body("error", startsWith("body: not valid JSON"));
        infer("[]").then().statusCode(400).body("error", equalTo("body: expected a JSON object with \"inputs\""));
        infer("{\"inputs\":[],\"extra\":1}").then().statusCode(400).body("error", startsWith("extra: unknown field"));
        infer("{\"inputs\":[{\"name\":\"images\",\"shape\":[1,784],\"data\":[1]}]}").then().statusCode(400)
                .body("error", equalTo("inputs[0].datatype: required"));
        infer("{\"parameters\":{\"sequence_id\":7}," + body("UINT8", "[1,784]", Arrays.toString(pixels(1))).substring(1))
                .then().statusCode(400).body("error", startsWith("parameters.sequence_id: not supported by this model"));
        infer(body("UINT8", "[1001,784]", "[1]")).then().statusCode(400)
                .body("error", equalTo("inputs[0].shape: at most 1000 images per request, got 1001"));
        given().contentType("application/json").body(body("UINT8", "[1,784]", "[1]")).post("/v2/models/resnet/infer")
                .then().statusCode(404).body("error", equalTo("model: unknown model 'resnet'; this server serves mlp"));
        // bounded whatever the body holds: values beyond the largest request, a flood of other JSON
        infer(body("UINT8", "[1000,784]", "[" + "0,".repeat(784_000) + "0]")).then().statusCode(400)
                .body("error", equalTo("inputs[0].data: more than 784000 values in one request"));
        infer("{\"parameters\":{" + "\"p\":[" + "1,".repeat(5000) + "1]},\"inputs\":[]}").then().statusCode(400)
                .body("error", startsWith("parameters.p: more than 4096 JSON values besides the tensors' data"));
        given().contentType("application/octet-stream").header("Inference-Header-Content-Length", 999999)
                .body(new byte[10]).post("/v2/models/mlp/infer").then().statusCode(400)
                .body("error", equalTo("Inference-Header-Content-Length: 999999 is outside the body's 10 bytes"));
    }
}
