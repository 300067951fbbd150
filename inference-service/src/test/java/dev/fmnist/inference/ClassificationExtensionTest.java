package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ServerMetadataRequest;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Triton's classification extension over real gRPC and HTTP, as tritonclient asks for it
 * ({@code InferRequestedOutput(name, class_count=k)}): on real test images the top k as
 * {@code "<value>:<index>:<label>"} strings, the same whichever way they travel, agreeing with the
 * plain probabilities the same request gives without it.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class ClassificationExtensionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IMAGES = 64;
    private static final int K = 3;
    private static ModelArtefact artefact;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(41);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, artefact.manifest().version());
    }

    private static byte[] images() {
        return Arrays.copyOf(TestArtefacts.DATA.test().images(), IMAGES * FashionMnist.PIXELS);
    }

    private static ModelInferRequest.Builder raw() {
        return ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addShape(IMAGES)
                        .addShape(FashionMnist.PIXELS))
                .addRawInputContents(ByteString.copyFrom(images()));
    }

    private static InferRequestedOutputTensor classification(long k) {
        return InferRequestedOutputTensor.newBuilder().setName("probabilities")
                .putParameters("classification", InferParameter.newBuilder().setInt64Param(k).build()).build();
    }

    /** The plain probabilities of the test images, [IMAGES][10], over gRPC. */
    private float[][] probabilities() {
        ByteBuffer raw = v2.modelInfer(raw().build()).getRawOutputContents(0).asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[][] rows = new float[IMAGES][FashionMnist.CLASSES];
        for (float[] row : rows) {
            raw.asFloatBuffer().get(row);
            raw.position(raw.position() + row.length * Float.BYTES);
        }
        return rows;
    }

    /** A BYTES tensor's elements: each a 4-byte little-endian length, then its UTF-8 bytes. */
    private static List<String> lengthPrefixed(ByteBuffer bytes) {
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        List<String> elements = new ArrayList<>();
        while (bytes.hasRemaining()) {
            byte[] element = new byte[bytes.getInt()];
            bytes.get(element);
            elements.add(new String(element, StandardCharsets.UTF_8));
        }
        return elements;
    }

    /**
     * Each row of {@code classes} parses as score:index:label with the contract's label, scores
     * descending, each the plain probability to six decimals, its top 1 the plain argmax, and no
     * class left out that is more probable than one given.
     */
    private static void assertTopK(List<String> classes, float[][] probabilities, int k) {
        assertThat(classes).hasSize(IMAGES * k);
        for (int image = 0; image < IMAGES; image++) {
            float[] p = probabilities[image];
            double previous = Double.MAX_VALUE;
            List<Integer> indices = new ArrayList<>();
            for (int j = 0; j < k; j++) {
                String[] parts = classes.get(image * k + j).split(":", 3);
                assertThat(parts).as(classes.get(image * k + j)).hasSize(3);
                assertThat(parts[0]).matches("\\d\\.\\d{6}");
                double score = Double.parseDouble(parts[0]);
                int index = Integer.parseInt(parts[1]);
                assertThat(parts[2]).isEqualTo(FashionMnist.CLASS_NAMES[index]);
                assertThat(score).isCloseTo(p[index], within(5e-7 + 1e-9));
                assertThat(score).isLessThanOrEqualTo(previous);
                previous = score;
                indices.add(index);
            }
            int argmax = IntStream.range(0, p.length).reduce((a, b) -> p[b] > p[a] ? b : a).orElseThrow();
            assertThat(indices.get(0)).as("image %d's top 1", image).isEqualTo(argmax);
            float lowestGiven = p[indices.get(k - 1)];
            for (int c = 0; c < p.length; c++) {
                if (!indices.contains(c)) {
                    assertThat(p[c]).as("image %d, class %d left out", image, c).isLessThanOrEqualTo(lowestGiven);
                }
            }
        }
    }

    @Test
    void serverMetadataAnnouncesTheExtensionOnBothProtocols() {
        assertThat(v2.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
                .contains("classification");
        given().get("/v2").then().statusCode(200).body("extensions", hasItem("classification"));
    }

    @Test
    void grpcRawAndTypedGiveTheTopKOfThePlainProbabilities() {
        float[][] probabilities = probabilities();

        ModelInferResponse raw = v2.modelInfer(raw().addOutputs(classification(K)).build());
        assertThat(raw.getOutputs(0).getName()).isEqualTo("probabilities");
        assertThat(raw.getOutputs(0).getDatatype()).isEqualTo("BYTES");
        assertThat(raw.getOutputs(0).getShapeList()).containsExactly((long) IMAGES, (long) K);
        List<String> fromRaw = lengthPrefixed(raw.getRawOutputContents(0).asReadOnlyByteBuffer());
        assertTopK(fromRaw, probabilities, K);

        InferTensorContents.Builder pixels = InferTensorContents.newBuilder();
        for (byte b : images()) {
            pixels.addUintContents(b & 0xff);
        }
        ModelInferResponse typed = v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addShape(IMAGES)
                        .addShape(FashionMnist.PIXELS).setContents(pixels))
                .addOutputs(classification(K)).build());
        assertThat(typed.getRawOutputContentsCount()).isZero();
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly((long) IMAGES, (long) K);
        assertThat(typed.getOutputs(0).getContents().getBytesContentsList().stream().map(ByteString::toStringUtf8))
                .containsExactlyElementsOf(fromRaw);

        // every k from 1 to all 10 classes
        for (int k : new int[] {1, FashionMnist.CLASSES}) {
            assertTopK(lengthPrefixed(v2.modelInfer(raw().addOutputs(classification(k)).build()).getRawOutputContents(0)
                    .asReadOnlyByteBuffer()), probabilities, k);
        }
    }

    @Test
    void restJsonAndBinaryGiveTheSameStringsAsGrpc() throws Exception {
        float[][] probabilities = probabilities();
        List<String> fromGrpc = lengthPrefixed(v2.modelInfer(raw().addOutputs(classification(K)).build())
                .getRawOutputContents(0).asReadOnlyByteBuffer());
        byte[] images = images();
        String data = IntStream.range(0, images.length).mapToObj(i -> String.valueOf(images[i] & 0xff))
                .collect(Collectors.joining(",", "[", "]"));

        Response json = given().contentType("application/json").body("{\"inputs\":[{\"name\":\"images\","
                + "\"datatype\":\"UINT8\",\"shape\":[" + IMAGES + ",784],\"data\":" + data + "}],\"outputs\":[{\"name\":"
                + "\"probabilities\",\"parameters\":{\"classification\":" + K + "}}]}").post("/v2/models/mlp/infer");
        json.then().statusCode(200).body("outputs[0].name", equalTo("probabilities"))
                .body("outputs[0].datatype", equalTo("BYTES")).body("outputs[0].shape", contains(IMAGES, K));
        List<String> fromJson = new ArrayList<>();
        JSON.readTree(json.asByteArray()).at("/outputs/0/data").forEach(s -> fromJson.add(s.textValue()));
        assertThat(fromJson).containsExactlyElementsOf(fromGrpc);
        assertTopK(fromJson, probabilities, K);

        // the binary tensor extension both ways, as tritonclient.http sends
        // InferRequestedOutput("probabilities", binary_data=True, class_count=3)
        byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[" + IMAGES + ",784],"
                + "\"parameters\":{\"binary_data_size\":" + images.length + "}}],\"outputs\":[{\"name\":\"probabilities\","
                + "\"parameters\":{\"binary_data\":true,\"classification\":" + K + "}}]}").getBytes(StandardCharsets.UTF_8);
        Response binary = given().contentType("application/octet-stream")
                .header("Inference-Header-Content-Length", header.length)
                .body(ByteBuffer.allocate(header.length + images.length).put(header).put(images).array())
                .post("/v2/models/mlp/infer");
        binary.then().statusCode(200);
        byte[] answer = binary.asByteArray();
        int jsonLength = Integer.parseInt(binary.header("Inference-Header-Content-Length"));
        JsonNode output = JSON.readTree(Arrays.copyOf(answer, jsonLength)).at("/outputs/0");
        assertThat(output.get("datatype").asText()).isEqualTo("BYTES");
        assertThat(output.has("data")).isFalse();
        int size = output.at("/parameters/binary_data_size").asInt();
        assertThat(jsonLength + size).isEqualTo(answer.length);
        assertThat(lengthPrefixed(ByteBuffer.wrap(answer, jsonLength, size).slice())).containsExactlyElementsOf(fromGrpc);
    }

    @Test
    void restRefusesACountThatIsNotAnIntegerFromOneToTen() {
        String body = "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\",\"shape\":[1,784],\"data\":"
                + Arrays.toString(new float[FashionMnist.PIXELS]) + "}],\"outputs\":[{\"name\":\"probabilities\","
                + "\"parameters\":{\"classification\":%s}}]}";
        for (String k : List.of("0", "11", "2.5", "\"3\"")) {
            given().contentType("application/json").body(body.formatted(k)).post("/v2/models/mlp/infer").then()
                    .statusCode(400).body("error", equalTo("outputs[0].parameters.classification: expected an integer "
                            + "from 1 to 10 (the classes to return), got " + k));
        }
    }
}
