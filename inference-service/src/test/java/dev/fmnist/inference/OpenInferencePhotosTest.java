package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.PhotoRenders;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.DataType;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelConfig;
import dev.fmnist.proto.inference.ModelConfigRequest;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelMetadataRequest;
import dev.fmnist.proto.inference.ModelMetadataResponse;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.Image;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Photos through the Open Inference Protocol as Triton's clients send them: a BYTES tensor
 * {@code encoded_images} of PNG or JPEG files, over gRPC (raw length-prefixed or bytes_contents) and
 * REST's binary extension, converted exactly as fmnist.v1 converts the same bytes; and every malformed
 * tensor refused naming its field or element.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class OpenInferencePhotosTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Photos per request: one of each style, twice. */
    private static final int N = 8;
    private static ModelArtefact artefact;
    private static List<ByteString> photos;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(37);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
        photos = new ArrayList<>();
        PhotoRenders.Style[] styles = PhotoRenders.Style.values();
        for (int i = 0; i < N; i++) {
            photos.add(ByteString.copyFrom(PhotoRenders.encoded(TestArtefacts.DATA.test().images(),
                    i * FashionMnist.PIXELS, styles[i % styles.length], 100 + i)));
        }
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, artefact.manifest().version());
    }

    /** Triton's serialization of BYTES elements: each a 4-byte little-endian length, then its bytes. */
    private static byte[] lengthPrefixed(List<ByteString> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteString element : elements) {
            out.writeBytes(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(element.size()).array());
            out.writeBytes(element.toByteArray());
        }
        return out.toByteArray();
    }

    private static ModelInferRequest.Builder encoded(long... shape) {
        InferInputTensor.Builder input = InferInputTensor.newBuilder().setName("encoded_images").setDatatype("BYTES");
        for (long d : shape) {
            input.addShape(d);
        }
        return ModelInferRequest.newBuilder().setModelName("mlp").addInputs(input);
    }

    private static ModelInferRequest.Builder conversion(ModelInferRequest.Builder request, String conversion,
            boolean resize) {
        return request.putParameters("conversion", InferParameter.newBuilder().setStringParam(conversion).build())
                .putParameters("resize", InferParameter.newBuilder().setBoolParam(resize).build());
    }

    private static float[][] rows(float[] flat) {
        float[][] rows = new float[flat.length / FashionMnist.CLASSES][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * FashionMnist.CLASSES, (i + 1) * FashionMnist.CLASSES);
        }
        return rows;
    }

    private static float[] floats(ByteString raw) {
        ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** fmnist.v1's answer to the same files: the reference every OIP path must match exactly. */
    private float[][] classify(Conversion conversion, boolean resize) {
        ClassifyBatchRequest.Builder batch = ClassifyBatchRequest.newBuilder().setConversion(conversion).setResize(resize);
        photos.forEach(p -> batch.addImages(Image.newBuilder().setEncoded(p)));
        ClassifyBatchResponse response = classifier.classifyBatch(batch.build());
        float[][] rows = new float[N][FashionMnist.CLASSES];
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < FashionMnist.CLASSES; c++) {
                rows[i][c] = response.getResults(i).getProbabilities(c);
            }
        }
        return rows;
    }

    private float[][] grpcRaw(ModelInferRequest.Builder request) {
        ModelInferResponse response = v2.modelInfer(request.addRawInputContents(ByteString.copyFrom(lengthPrefixed(photos)))
                .build());
        assertThat(response.getOutputs(0).getShapeList()).containsExactly((long) N, 10L);
        return rows(floats(response.getRawOutputContents(0)));
    }

    private float[][] grpcTyped(ModelInferRequest.Builder request) {
        request.getInputsBuilder(0).setContents(InferTensorContents.newBuilder().addAllBytesContents(photos));
        List<Float> typed = v2.modelInfer(request.build()).getOutputs(0).getContents().getFp32ContentsList();
        float[] flat = new float[typed.size()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = typed.get(i);
        }
        return rows(flat);
    }

    private static Response restBinary(String parameters, List<ByteString> files, String shape) {
        byte[] tensor = lengthPrefixed(files);
        byte[] header = ("{" + parameters + "\"inputs\":[{\"name\":\"encoded_images\",\"shape\":" + shape
                + ",\"datatype\":\"BYTES\",\"parameters\":{\"binary_data_size\":" + tensor.length + "}}],"
                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = ByteBuffer.allocate(header.length + tensor.length).put(header).put(tensor).array();
        return given().contentType("application/octet-stream").header("Inference-Header-Content-Length", header.length)
                .body(body).post("/v2/models/mlp/infer");
    }

    private static float[][] restBinary(String parameters) throws Exception {
        Response response = restBinary(parameters, photos, "[" + N + "]");
        response.then().statusCode(200);
        int jsonLength = Integer.parseInt(response.header("Inference-Header-Content-Length"));
        byte[] body = response.asByteArray();
        JsonNode meta = JSON.readTree(new String(body, 0, jsonLength, StandardCharsets.UTF_8));
        assertThat(meta.at("/outputs/0/shape").toString()).isEqualTo("[" + N + ",10]");
        return rows(floats(ByteString.copyFrom(body, jsonLength, body.length - jsonLength)));
    }

    @Test
    void photoRendersGiveExactlyTheProbabilitiesOfFmnistV1OnEveryPath() throws Exception {
        float[][] expected = classify(Conversion.CONVERSION_AUTO, false);
        assertThat(grpcRaw(encoded(N))).as("gRPC raw_input_contents, default conversion").isEqualTo(expected);
        assertThat(grpcTyped(encoded(N, 1))).as("gRPC bytes_contents, shape [N, 1]").isEqualTo(expected);
        assertThat(restBinary("")).as("REST binary extension").isEqualTo(expected);
        assertThat(grpcRaw(conversion(encoded(N), "auto", false))).as("auto, said").isEqualTo(expected);

        float[][] photo = classify(Conversion.CONVERSION_PHOTO, false);
        assertThat(grpcRaw(conversion(encoded(N), "photo", false))).isEqualTo(photo);
        assertThat(restBinary("\"parameters\":{\"conversion\":\"photo\"},")).isEqualTo(photo);

        float[][] none = classify(Conversion.CONVERSION_NONE, true);
        assertThat(none).as("the conversion changes what the model reads").isNotEqualTo(expected);
        assertThat(grpcRaw(conversion(encoded(N), "none", true))).isEqualTo(none);
        assertThat(restBinary("\"parameters\":{\"conversion\":\"none\",\"resize\":true},")).isEqualTo(none);
    }

    @Test
    void metadataAndConfigListTheOptionalEncodedInput() {
        ModelMetadataResponse metadata = v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("mlp").build());
        assertThat(metadata.getInputsCount()).isEqualTo(2);
        assertThat(metadata.getInputs(0).getName()).isEqualTo("images");
        assertThat(metadata.getInputs(1).getName()).isEqualTo("encoded_images");
        assertThat(metadata.getInputs(1).getDatatype()).isEqualTo("BYTES");
        assertThat(metadata.getInputs(1).getShapeList()).containsExactly(-1L, 1L);

        ModelConfig config = v2.modelConfig(ModelConfigRequest.newBuilder().setName("mlp").build()).getConfig();
        assertThat(config.getInput(0).getOptional()).isFalse();
        assertThat(config.getInput(1).getName()).isEqualTo("encoded_images");
        assertThat(config.getInput(1).getDataType()).isEqualTo(DataType.TYPE_STRING);
        assertThat(config.getInput(1).getDimsList()).containsExactly(1L);
        assertThat(config.getInput(1).getOptional()).isTrue();

        given().get("/v2/models/mlp").then().statusCode(200).body("inputs[1].name", equalTo("encoded_images"))
                .body("inputs[1].datatype", equalTo("BYTES")).body("inputs[1].shape", contains(-1, 1));
        given().get("/v2/models/mlp/config").then().statusCode(200).body("input[1].name", equalTo("encoded_images"))
                .body("input[1].data_type", equalTo("TYPE_STRING")).body("input[1].dims", contains(1))
                .body("input[1].optional", equalTo(true)).body("input[0].optional", equalTo(false));
    }

    private void refused(ModelInferRequest request, String message) {
        assertThatThrownBy(() -> v2.modelInfer(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).isEqualTo(message);
        });
    }

    @Test
    void malformedEncodedTensorsAreRefusedNamingTheFieldOrTheElement() {
        ByteString one = ByteString.copyFrom(lengthPrefixed(photos.subList(0, 1)));
        InferInputTensor pixels = InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addShape(1)
                .addShape(784).build();
        refused(encoded(1).addInputs(pixels).addRawInputContents(one).addRawInputContents(ByteString.copyFrom(
                new byte[784])).build(), "inputs[1].name: 'images' and 'encoded_images' are both given; send exactly one "
                + "of them");
        refused(ModelInferRequest.newBuilder().setModelName("mlp").build(),
                "inputs: expected 1 input tensor, 'images' or 'encoded_images', got none");

        // the length prefixes: one that claims more than the buffer holds, one cut off, too few and too many elements
        byte[] lying = ByteBuffer.allocate(14).order(ByteOrder.LITTLE_ENDIAN).putInt(1000).put(new byte[10]).array();
        refused(encoded(1).addRawInputContents(ByteString.copyFrom(lying)).build(),
                "raw_input_contents[0]: element 0 declares 1000 bytes, but only 10 follow");
        refused(encoded(2).addRawInputContents(one.concat(ByteString.copyFrom(new byte[] {5, 0}))).build(),
                "raw_input_contents[0]: element 1's 4-byte length is cut off (2 bytes left)");
        refused(encoded(2).addRawInputContents(one).build(), "raw_input_contents[0]: 1 elements, the shape declares 2");
        refused(encoded(1).addRawInputContents(one.concat(one)).build(),
                "raw_input_contents[0]: " + one.size() + " bytes after the 1 elements the shape declares");
        refused(encoded(2).setInputs(0, encoded(2).getInputs(0).toBuilder().setContents(InferTensorContents.newBuilder()
                .addBytesContents(photos.get(0)))).build(),
                "inputs[0].contents.bytes_contents: expected 2 elements for the declared shape, got 1");

        // the batch limit before any element is read, and shapes and datatypes that are not a list of files
        refused(encoded(1001).addRawInputContents(one).build(), "inputs[0].shape: at most 1000 images per request, got 1001");
        refused(encoded(1, 2).addRawInputContents(one).build(),
                "inputs[0].shape: expected [N] or [N, 1] for 'encoded_images' (one encoded file per element), got [1, 2]");
        ModelInferRequest.Builder fp32 = encoded(1).addRawInputContents(one);
        fp32.getInputsBuilder(0).setDatatype("FP32");
        refused(fp32.build(), "inputs[0].datatype: expected BYTES (one PNG or JPEG file per element) for "
                + "'encoded_images', got 'FP32'");

        // the conversion options
        refused(conversion(encoded(1), "fancy", false).addRawInputContents(one).build(),
                "parameters.conversion: expected \"auto\", \"photo\" or \"none\", got \"fancy\"");
        refused(encoded(1).putParameters("conversion", InferParameter.newBuilder().setInt64Param(1).build())
                .addRawInputContents(one).build(), "parameters.conversion: expected \"auto\", \"photo\" or \"none\", got 1");
        refused(encoded(1).putParameters("resize", InferParameter.newBuilder().setStringParam("yes").build())
                .addRawInputContents(one).build(), "parameters.resize: expected true or false, got \"yes\"");

        // each element decoded as fmnist.v1 decodes it, its refusal naming the element
        List<ByteString> withGarbage = List.of(photos.get(0), ByteString.copyFromUtf8("hello"));
        refused(encoded(2).addRawInputContents(ByteString.copyFrom(lengthPrefixed(withGarbage))).build(),
                "encoded_images[1]: not a decodable PNG or JPEG (5 bytes)");
        assertThatThrownBy(() -> v2.modelInfer(conversion(encoded(1), "none", false).addRawInputContents(one).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getDescription())
                        .startsWith("encoded_images[0]: expected a 28x28 image, got "));
    }

    @Test
    void restRefusesWhatGrpcRefusesAndJsonStringsWithAPointerToBinaryData() {
        restBinary("", List.of(photos.get(0), ByteString.copyFromUtf8("hello")), "[2]").then().statusCode(400)
                .body("error", equalTo("encoded_images[1]: not a decodable PNG or JPEG (5 bytes)"));
        restBinary("\"parameters\":{\"conversion\":\"fancy\"},", photos.subList(0, 1), "[1]").then().statusCode(400)
                .body("error", equalTo("parameters.conversion: expected \"auto\", \"photo\" or \"none\", got \"fancy\""));
        given().contentType("application/json").body("{\"inputs\":[{\"name\":\"encoded_images\",\"shape\":[1],"
                + "\"datatype\":\"BYTES\",\"data\":[\"/9j/4AAQSkZJRg==\"]}]}").post("/v2/models/mlp/infer").then()
                .statusCode(400).body("error", startsWith("inputs[0].data: encoded images cannot travel as JSON strings; "
                        + "send 'encoded_images' with the binary tensor extension"));
    }
}
