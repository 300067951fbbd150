package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Triton's HTTP surface over real HTTP, as tritonclient.http and curl use it: model configuration,
 * statistics, the repository index and load/unload (pin and back, through the model-control topic),
 * JSON errors for whatever the HTTP layer refuses (404, 405, 413 declared and chunked), compressed
 * requests (gzip, deflate, a bomb refused) and responses, and the status of each kind of refusal.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class TritonHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static ModelArtefact older;
    private static ModelArtefact newer;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void publish() throws Exception {
        older = TestArtefacts.train(41);
        newer = TestArtefacts.train(42);
        TestArtefacts.publish(ArtefactCodec.encode(older));
        TestArtefacts.publish(ArtefactCodec.encode(newer));
    }

    @BeforeEach
    void awaitNewest() throws InterruptedException {
        TestArtefacts.awaitLive(v2, newer.manifest().version());
    }

    @AfterEach
    void followTheNewestAgain() {
        given().post("/v2/repository/models/mlp/unload").then().statusCode(200);
    }

    private static String body(int images) {
        byte[] raw = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, images * FashionMnist.PIXELS);
        StringBuilder data = new StringBuilder();
        for (byte b : raw) {
            data.append(data.length() == 0 ? "" : ",").append(b & 0xff);
        }
        return "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[" + images + ",784],\"data\":["
                + data + "]}]}";
    }

    private static URI uri(String path) {
        return URI.create("http://localhost:" + RestAssured.port + path);
    }

    private static HttpResponse<byte[]> post(String path, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    @Test
    void configIsTheGrpcModelConfigAsTritonsJson() {
        String version = newer.manifest().version();
        given().get("/v2/models/mlp/config").then().statusCode(200).contentType("application/json")
                .body("name", equalTo("mlp")).body("platform", equalTo("pytorch_libtorch"))
                .body("max_batch_size", equalTo(1000)).body("input[0].name", equalTo("images"))
                .body("input[0].data_type", equalTo("TYPE_FP32")).body("input[0].dims", contains(1, 28, 28))
                .body("output[0].dims", contains(10)).body("dynamic_batching.preferred_batch_size", contains(64))
                .body("dynamic_batching.default_queue_policy.max_queue_size", equalTo(16))
                .body("instance_group[0].kind", equalTo("KIND_CPU"))
                .body("parameters.live_version.string_value", equalTo(version));
        given().get("/v2/models/mlp/versions/" + version + "/config").then().statusCode(200).body("name", equalTo("mlp"));
        given().get("/v2/models/resnet/config").then().statusCode(404).contentType("application/json")
                .body("error", equalTo("model: unknown model 'resnet'; this server serves mlp"));
        given().get("/v2/models/mlp/versions/000000000000/config").then().statusCode(404)
                .body("error", startsWith("model_version: '000000000000' is not loaded"));
    }

    @Test
    void statisticsCountTheRestInferencesOfTheLiveVersion() throws Exception {
        String version = newer.manifest().version();
        String path = "/v2/models/mlp/versions/" + version + "/stats";
        JsonNode before = JSON.readTree(given().get(path).then().statusCode(200).extract().asByteArray());
        for (int i = 0; i < 3; i++) {
            given().contentType("application/json").body(body(4)).post("/v2/models/mlp/infer").then().statusCode(200);
        }
        given().contentType("application/json").body("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\","
                + "\"shape\":[4,3],\"data\":[1]}]}").post("/v2/models/mlp/infer").then().statusCode(400);
        JsonNode after = JSON.readTree(given().get(path).then().statusCode(200).extract().asByteArray());

        JsonNode stats = after.at("/model_stats/0");
        assertThat(stats.get("name").asText()).isEqualTo("mlp");
        assertThat(stats.get("version").asText()).isEqualTo(version);
        assertThat(stats.get("inference_count").isNumber()).as("64-bit counts are JSON numbers").isTrue();
        assertThat(stats.get("inference_count").asLong() - count(before, "/model_stats/0/inference_count")).isEqualTo(12);
        assertThat(stats.at("/inference_stats/success/count").asLong()
                - count(before, "/model_stats/0/inference_stats/success/count")).isEqualTo(3);
        assertThat(stats.at("/inference_stats/fail/count").asLong()
                - count(before, "/model_stats/0/inference_stats/fail/count")).isEqualTo(1);
        assertThat(stats.at("/inference_stats/compute_infer/ns").asLong()).isPositive();
        assertThat(stats.get("batch_stats")).anySatisfy(b -> assertThat(b.get("batch_size").asInt()).isEqualTo(4));
        assertThat(stats.get("last_inference").asLong()).isGreaterThan(System.currentTimeMillis() - 60_000);

        given().get("/v2/models/stats").then().statusCode(200).body("model_stats.version", hasItem(version));
        given().get("/v2/models/mlp/stats").then().statusCode(200).body("model_stats.version", hasItem(version));
        given().get("/v2/models/resnet/stats").then().statusCode(404).body("error", startsWith("model: unknown model"));
    }

    private static long count(JsonNode json, String pointer) {
        return json.at(pointer).asLong(0);
    }

    @Test
    void loadPinsAVersionAndUnloadFollowsTheNewestAgainAsOverGrpc() {
        String olderVersion = older.manifest().version();
        given().post("/v2/repository/index").then().statusCode(200).contentType("application/json")
                .body("[0].name", equalTo("mlp")).body("[0].state", equalTo("READY"))
                .body("[0].version", equalTo(newer.manifest().version()));

        given().contentType("application/json").body("{\"parameters\":{\"version\":\"" + olderVersion + "\"}}")
                .post("/v2/repository/models/mlp/load").then().statusCode(200);
        // answered once this replica serves it
        given().get("/v2/models/mlp/versions/" + olderVersion + "/ready").then().statusCode(200);
        given().contentType("application/json").body("{\"ready\":true}").post("/v2/repository/index").then()
                .statusCode(200).body("[0].version", equalTo(olderVersion))
                .body("[0].reason", equalTo("pinned to " + olderVersion));
        given().get("/v2/models/mlp/config").then().body("parameters.pinned_version.string_value", equalTo(olderVersion));

        given().contentType("application/json").body("{\"parameters\":{\"unload_dependents\":false}}")
                .post("/v2/repository/models/mlp/unload").then().statusCode(200);
        given().get("/v2/models/mlp/versions/" + newer.manifest().version() + "/ready").then().statusCode(200);

        // refusals name what is wrong, with gRPC's messages
        given().contentType("application/json").body("{\"parameters\":{\"config\":\"{}\"}}")
                .post("/v2/repository/models/mlp/load").then().statusCode(400).contentType("application/json")
                .body("error", equalTo("parameters.config: not supported (accepted: version)"));
        given().contentType("application/json").body("{\"parameters\":{\"version\":\"000000000000\"}}")
                .post("/v2/repository/models/mlp/load").then().statusCode(404)
                .body("error", startsWith("parameters.version: '000000000000' is not among the artefacts published"));
        given().contentType("application/json").body("{\"parameters\":{\"version\":7}}")
                .post("/v2/repository/models/mlp/load").then().statusCode(400)
                .body("error", equalTo("parameters.version: expected a string"));
        given().contentType("application/json").body("{\"params\":{}}").post("/v2/repository/models/mlp/load").then()
                .statusCode(400).body("error", equalTo("params: unknown field (expected parameters)"));
        given().contentType("application/json").body("{\"ready\":1}").post("/v2/repository/index").then()
                .statusCode(400).body("error", equalTo("ready: expected true or false, got 1"));
        given().contentType("application/json").body("[").post("/v2/repository/index").then()
                .statusCode(400).body("error", startsWith("body: not valid JSON"));
        given().post("/v2/repository/models/resnet/unload").then().statusCode(404)
                .body("error", equalTo("model: unknown model 'resnet'; this server serves mlp"));
    }

    @Test
    void whatTheHttpLayerRefusesIsJsonToo() throws Exception {
        given().get("/nowhere").then().statusCode(404).contentType("application/json")
                .body("error", equalTo("no route for GET /nowhere"));
        given().get("/v2/nowhere").then().statusCode(404).contentType("application/json")
                .body("error", equalTo("no route for GET /v2/nowhere"));
        given().get("/v2/models/mlp/infer").then().statusCode(405).contentType("application/json")
                .body("error", startsWith("method not allowed: GET /v2/models/mlp/infer"));
        given().delete("/v2/health/live").then().statusCode(405).contentType("application/json");

        // a body declared over the limit: refused before a byte of it is read
        String declared = raw("POST /v2/models/mlp/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 40000000\r\n\r\n", 0);
        assertThat(declared).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/json")
                .endsWith("{\"error\":\"body: Content-Length 40000000 is over the HTTP port's limit of 33554432 bytes\"}");

        // a chunked one: refused once the limit is passed
        String chunked = raw("POST /v2/models/mlp/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", 40 * 1024 * 1024);
        assertThat(chunked).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: application/json")
                .endsWith("{\"error\":\"body: more than 33554432 bytes (the HTTP port's body limit)\"}");
    }

    /**
     * Sends {@code head}, then {@code chunkedBytes} of spaces in 1 MB chunks (none: the head alone), and
     * returns what the server answered; a reader takes the answer as it comes, so the server closing
     * the connection mid-body cannot lose it.
     */
    private static String raw(String head, int chunkedBytes) throws Exception {
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(30_000);
            InputStream in = socket.getInputStream();
            CompletableFuture<byte[]> answer = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream read = new ByteArrayOutputStream();
                byte[] buffer = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buffer)) != -1) {
                        read.write(buffer, 0, n);
                        if (complete(read.toString(StandardCharsets.ISO_8859_1))) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    // a reset after the answer: what was read is the answer
                }
                return read.toByteArray();
            });
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[1024 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try {
                for (int sent = 0; sent < chunkedBytes && !answer.isDone(); sent += chunk.length) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.flush();
            } catch (IOException e) {
                // the server closed the connection after answering
            }
            return new String(answer.get(30, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
        }
    }

    /** Whether {@code response} holds its head and as many body bytes as its Content-Length says. */
    private static boolean complete(String response) {
        int end = response.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = response.substring(0, end).toLowerCase();
        int at = head.indexOf("content-length:");
        if (at < 0) {
            return false;
        }
        int length = Integer.parseInt(head.substring(at + 15, head.indexOf('\n', at) < 0 ? head.length()
                : head.indexOf('\n', at)).trim());
        return response.length() - end - 4 >= length;
    }

    @Test
    void bodiesOfEverySizeAreReadWhereverTheyArriveWhole() throws Exception {
        // buffered whole (up to 64 KB, read on the event loop) or streamed to a worker, JSON and binary
        for (int images : new int[] {1, 13, 64, 100, 1000}) {
            byte[] pixels = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, images * FashionMnist.PIXELS);
            byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[" + images + ",784],"
                    + "\"parameters\":{\"binary_data_size\":" + pixels.length + "}}]}").getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> binary = post("/v2/models/mlp/infer",
                    ByteBuffer.allocate(header.length + pixels.length).put(header).put(pixels).array(),
                    "Content-Type", "application/octet-stream", "Inference-Header-Content-Length",
                    String.valueOf(header.length));
            assertThat(binary.statusCode()).as("%d images, binary", images).isEqualTo(200);
            assertThat(json(binary).at("/outputs/0/shape").toString()).isEqualTo("[" + images + ",10]");
            HttpResponse<byte[]> json = post("/v2/models/mlp/infer", body(images).getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/json");
            assertThat(json.statusCode()).as("%d images, JSON", images).isEqualTo(200);
        }
    }

    @Test
    void gzipAndDeflateRequestsAnswerAsThePlainOne() throws Exception {
        byte[] plain = body(2).getBytes(StandardCharsets.UTF_8);
        JsonNode expected = json(post("/v2/models/mlp/infer", plain, "Content-Type", "application/json"));

        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(gzip)) {
            out.write(plain);
        }
        HttpResponse<byte[]> gzipped = post("/v2/models/mlp/infer", gzip.toByteArray(), "Content-Type",
                "application/json", "Content-Encoding", "gzip");
        assertThat(gzipped.statusCode()).isEqualTo(200);
        assertThat(json(gzipped).at("/outputs/0/data")).isEqualTo(expected.at("/outputs/0/data"));

        for (boolean rawDeflate : new boolean[] {false, true}) {
            ByteArrayOutputStream deflate = new ByteArrayOutputStream();
            try (OutputStream out = new DeflaterOutputStream(deflate, new Deflater(Deflater.DEFAULT_COMPRESSION,
                    rawDeflate))) {
                out.write(plain);
            }
            HttpResponse<byte[]> deflated = post("/v2/models/mlp/infer", deflate.toByteArray(), "Content-Type",
                    "application/json", "Content-Encoding", "deflate");
            assertThat(deflated.statusCode()).as("deflate, raw: %s", rawDeflate).isEqualTo(200);
            assertThat(json(deflated).at("/outputs/0/data")).isEqualTo(expected.at("/outputs/0/data"));
        }

        HttpResponse<byte[]> brotli = post("/v2/models/mlp/infer", plain, "Content-Encoding", "br");
        assertThat(brotli.statusCode()).isEqualTo(415);
        assertThat(json(brotli).get("error").asText())
                .isEqualTo("Content-Encoding: 'br' is not supported (accepted: gzip, deflate, identity)");
        HttpResponse<byte[]> corrupt = post("/v2/models/mlp/infer", plain, "Content-Encoding", "gzip");
        assertThat(corrupt.statusCode()).isEqualTo(400);
        assertThat(json(corrupt).get("error").asText()).startsWith("body: not valid gzip data");
    }

    @Test
    void aCompressedBombIsRefusedAt413WithoutInflatingItWhole() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bomb, 1 << 16)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                out.write(zeros); // 100 MB of zeros
            }
        }
        assertThat(bomb.size()).as("compressed").isLessThan(200_000);
        long start = System.nanoTime();
        HttpResponse<byte[]> refused = post("/v2/models/mlp/infer", bomb.toByteArray(), "Content-Type",
                "application/json", "Content-Encoding", "gzip");
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(json(refused).get("error").asText())
                .isEqualTo("body: more than 33554432 bytes once gzip-decoded (the HTTP port's body limit)");
        assertThat(millis).as("inflated up to the limit only").isLessThan(5_000);
        given().get("/v2/health/live").then().statusCode(200); // and the server is fine
    }

    @Test
    void responsesAreCompressedWhenAskedAndTheBinaryHeaderLengthStillHolds() throws Exception {
        HttpResponse<byte[]> gzipped = post("/v2/models/mlp/infer", body(1).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Accept-Encoding", "gzip");
        assertThat(gzipped.statusCode()).isEqualTo(200);
        assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
        JsonNode answer = JSON.readTree(gunzip(gzipped.body()));
        assertThat(answer.at("/outputs/0/shape").toString()).isEqualTo("[1,10]");

        HttpResponse<byte[]> plain = post("/v2/models/mlp/infer", body(1).getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();

        // the binary tensor extension, compressed: the header length counts the JSON before compression
        byte[] pixels = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, FashionMnist.PIXELS);
        byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,784],"
                + "\"parameters\":{\"binary_data_size\":784}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] request = ByteBuffer.allocate(header.length + pixels.length).put(header).put(pixels).array();
        HttpResponse<byte[]> binary = post("/v2/models/mlp/infer", request, "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", String.valueOf(header.length), "Accept-Encoding", "gzip");
        assertThat(binary.statusCode()).isEqualTo(200);
        assertThat(binary.headers().firstValue("Content-Encoding")).hasValue("gzip");
        byte[] body = gunzip(binary.body());
        int jsonLength = Integer.parseInt(binary.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(JSON.readTree(Arrays.copyOf(body, jsonLength)).at("/outputs/0/parameters/binary_data_size").asInt())
                .isEqualTo(40);
        float[] probabilities = new float[10];
        ByteBuffer.wrap(body, jsonLength, 40).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(probabilities);
        float[] fromJson = new float[10];
        for (int i = 0; i < 10; i++) {
            fromJson[i] = answer.at("/outputs/0/data/" + i).floatValue();
        }
        assertThat(probabilities).containsExactly(fromJson);
        assertThat(body).hasSize(jsonLength + 40);
    }

    /**
     * A refusal is never compressed, whatever Accept-Encoding asks: Triton compresses answers only, and
     * tritonclient.http (with response_compression_algorithm) reads an error's body as plain UTF-8 JSON.
     */
    @Test
    void refusalsAreNotCompressedEvenWhenAsked() throws Exception {
        String[] gzip = {"Content-Type", "application/json", "Accept-Encoding", "gzip, deflate"};
        List<HttpResponse<byte[]>> refusals = List.of(
                post("/v2/models/mlp/infer", "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,3],\"data\":[1,2,3]}]}"
                        .getBytes(StandardCharsets.UTF_8), gzip),
                post("/v2/models/resnet/infer", body(1).getBytes(StandardCharsets.UTF_8), gzip),
                post("/v2/repository/models/mlp/load", "{\"parameters\":{\"config\":\"{}\"}}".getBytes(StandardCharsets.UTF_8), gzip),
                post("/v2/models/mlp/infer", body(1).getBytes(StandardCharsets.UTF_8), "Accept-Encoding", "gzip",
                        "Content-Encoding", "br"),
                HTTP.send(HttpRequest.newBuilder(uri("/v2/models/resnet/config")).header("Accept-Encoding", "gzip").build(),
                        HttpResponse.BodyHandlers.ofByteArray()),
                HTTP.send(HttpRequest.newBuilder(uri("/v2/nowhere")).header("Accept-Encoding", "gzip").build(),
                        HttpResponse.BodyHandlers.ofByteArray()),
                HTTP.send(HttpRequest.newBuilder(uri("/v2/models/mlp/infer")).header("Accept-Encoding", "gzip")
                        .DELETE().build(), HttpResponse.BodyHandlers.ofByteArray()));
        assertThat(refusals).extracting(HttpResponse::statusCode).containsExactly(400, 404, 400, 415, 404, 404, 405);
        for (HttpResponse<byte[]> refusal : refusals) {
            assertThat(refusal.headers().firstValue("Content-Encoding")).as(refusal.uri().toString())
                    .satisfiesAnyOf(e -> assertThat(e).isEmpty(), e -> assertThat(e).hasValue("identity"));
            assertThat(json(refusal).get("error").asText()).isNotEmpty();
        }
        assertThat(json(refusals.get(0)).get("error").asText())
                .isEqualTo("inputs[0].shape: expected [N, 1, 28, 28] or [N, 784], got [1, 3]");

        // while an answer to the same client is compressed
        HttpResponse<byte[]> answer = post("/v2/models/mlp/infer", body(1).getBytes(StandardCharsets.UTF_8), gzip);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("Content-Encoding")).hasValue("gzip");
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }

    @Test
    void bytesTensorsAreRefusedByTheirDatatypeOnBothProtocols() {
        String message = "inputs[0].datatype: expected FP32 or UINT8, got 'BYTES'";
        given().contentType("application/json").body("{\"inputs\":[{\"name\":\"images\",\"shape\":[1],"
                + "\"datatype\":\"BYTES\",\"data\":[\"a shirt\"]}]}").post("/v2/models/mlp/infer").then().statusCode(400)
                .body("error", equalTo(message));
        given().contentType("application/json").body("{\"inputs\":[{\"name\":\"images\",\"data\":[\"a shirt\"],"
                + "\"shape\":[1],\"datatype\":\"BYTES\"}]}").post("/v2/models/mlp/infer").then().statusCode(400)
                .body("error", equalTo(message));
        assertThatThrownBy(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("BYTES").addShape(1)
                        .setContents(dev.fmnist.proto.inference.InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("a shirt"))))
                .build())).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo(message);
                });
    }

    @Test
    void tooLargeToEverSucceedIs400AndAFullQueueIs429() throws Exception {
        // can never succeed as sent: 400, and INVALID_ARGUMENT over gRPC
        given().contentType("application/json").body("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\","
                + "\"shape\":[1001,784],\"data\":[1]}]}").post("/v2/models/mlp/infer").then().statusCode(400)
                .body("error", equalTo("inputs[0].shape: at most 1000 images per request, got 1001"));
        assertThatThrownBy(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addShape(1001)
                        .addShape(784)).addRawInputContents(com.google.protobuf.ByteString.copyFrom(
                                new byte[1001 * 784])).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));

        // the queue full: 429, try again (maximal binary requests, parsed on workers in parallel, outrun the batcher)
        byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1000,784],"
                + "\"parameters\":{\"binary_data_size\":784000}}]}").getBytes(StandardCharsets.UTF_8);
        byte[] maximal = Arrays.copyOf(header, header.length + 784_000);
        List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/v2/models/mlp/infer"))
                    .header("Content-Type", "application/octet-stream")
                    .header("Inference-Header-Content-Length", String.valueOf(header.length))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(maximal)).build(), HttpResponse.BodyHandlers.ofByteArray()));
        }
        int ok = 0;
        int full = 0;
        for (CompletableFuture<HttpResponse<byte[]>> call : calls) {
            HttpResponse<byte[]> response = call.get(2, TimeUnit.MINUTES);
            if (response.statusCode() == 200) {
                ok++;
            } else {
                assertThat(response.statusCode()).isEqualTo(429);
                assertThat(json(response).get("error").asText()).startsWith("inference queue is full");
                full++;
            }
        }
        assertThat(ok).isPositive();
        assertThat(full).as("200 at once against a queue of 16").isPositive();
    }
}
