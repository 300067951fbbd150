package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelStreamInferResponse;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.FeedbackRequest;
import dev.fmnist.proto.v1.FeedbackResponse;
import dev.fmnist.proto.v1.FloatPixels;
import dev.fmnist.proto.v1.Image;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request ids on every API that answers images, each answered image's record on the predictions
 * topic (read back with a real consumer), aliases in model_version, and feedback over gRPC and REST
 * onto the feedback topic, hostile labels refused naming the field.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class PredictionLogTest {

    private static final String HEADER = "fmnist-request-id";
    private static final Metadata.Key<String> HEADER_KEY = Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);
    private static final String REQUEST_ID = "[0-9a-f]{32}";
    private static ModelArtefact artefact;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @GrpcClient("classifier")
    Classifier classifierStreams;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @GrpcClient("inference")
    GRPCInferenceService v2Streams;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(71);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, artefact.manifest().version());
    }

    static byte[] levels(int index) {
        return Arrays.copyOfRange(TestArtefacts.DATA.test().images(), index * FashionMnist.PIXELS,
                (index + 1) * FashionMnist.PIXELS);
    }

    static Image raw(int index) {
        return Image.newBuilder().setRawUint8(ByteString.copyFrom(levels(index))).build();
    }

    /** A call's response headers, as the client saw them. */
    private static final class Headers {
        final AtomicReference<Metadata> headers = new AtomicReference<>();
        final AtomicReference<Metadata> trailers = new AtomicReference<>();

        String requestId() {
            return headers.get() == null ? null : headers.get().get(HEADER_KEY);
        }
    }

    private ClassifierGrpc.ClassifierBlockingStub classifier(Headers headers) {
        return classifier.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers.headers,
                headers.trailers));
    }

    @Test
    void theClassifierApiAnswersWithRequestIdsAndLogsEveryImage() {
        String version = artefact.manifest().version();
        Headers oneHeaders = new Headers();
        ClassifyResponse one = classifier(oneHeaders).classify(ClassifyRequest.newBuilder().setImage(raw(0)).build());
        assertThat(one.getRequestId()).matches(REQUEST_ID).isEqualTo(oneHeaders.requestId());
        assertThat(one.getPredictionId()).isEqualTo(one.getRequestId());

        Headers batchHeaders = new Headers();
        FloatPixels.Builder floats = FloatPixels.newBuilder();
        for (byte level : levels(2)) {
            floats.addValues(Pixels.scale(level));
        }
        ClassifyBatchResponse batch = classifier(batchHeaders).classifyBatch(ClassifyBatchRequest.newBuilder()
                .addImages(raw(1)).addImages(Image.newBuilder().setFloatPixels(floats)).addImages(raw(3)).build());
        String batchId = batch.getRequestId();
        assertThat(batchId).matches(REQUEST_ID).isEqualTo(batchHeaders.requestId()).isNotEqualTo(one.getRequestId());
        for (int i = 0; i < 3; i++) {
            assertThat(batch.getResults(i).getRequestId()).isEqualTo(batchId);
            assertThat(batch.getResults(i).getPredictionId()).isEqualTo(batchId + "." + i);
        }

        List<ClassifyResponse> streamed = classifierStreams.classifyStream(Multi.createFrom().items(
                ClassifyRequest.newBuilder().setImage(raw(4)).build(),
                ClassifyRequest.newBuilder().setImage(raw(5)).build())).collect().asList()
                .await().atMost(Duration.ofSeconds(30));
        assertThat(streamed).hasSize(2);
        assertThat(streamed).allSatisfy(r -> assertThat(r.getPredictionId()).matches(REQUEST_ID)
                .isEqualTo(r.getRequestId()));
        assertThat(streamed.get(0).getRequestId()).as("each message of a stream is its own request")
                .isNotEqualTo(streamed.get(1).getRequestId());

        Map<String, ClassifyResponse> answers = new java.util.HashMap<>();
        answers.put(one.getPredictionId(), one);
        batch.getResultsList().forEach(r -> answers.put(r.getPredictionId(), r));
        streamed.forEach(r -> answers.put(r.getPredictionId(), r));
        Map<String, List<PredictionRecord>> logged = TestRecords.read(Topic.PREDICTIONS, answers.keySet(), 1,
                PredictionRecord::parse);
        assertThat(logged.keySet()).containsExactlyInAnyOrderElementsOf(answers.keySet());
        Instant before = Instant.now();
        answers.forEach((id, answer) -> {
            assertThat(logged.get(id)).as(id).hasSize(1);
            PredictionRecord record = logged.get(id).get(0);
            assertThat(record.requestId()).isEqualTo(answer.getRequestId());
            assertThat(record.model()).isEqualTo("mlp");
            assertThat(record.version()).isEqualTo(version).isEqualTo(answer.getModelVersion());
            assertThat(record.role()).isEqualTo(PredictionRole.SERVED);
            assertThat(record.classIndex()).isEqualTo(answer.getClassIndex());
            List<Float> probabilities = new ArrayList<>();
            for (float p : record.probabilities()) {
                probabilities.add(p);
            }
            assertThat(probabilities).isEqualTo(answer.getProbabilitiesList());
            assertThat(record.api()).isEqualTo("classify");
            assertThat(record.latencyMicros()).isPositive();
            assertThat(record.at()).isBefore(before).isAfter(before.minusSeconds(60));
            assertThat(record.servedVersion()).isNull();
            assertThat(record.pixels()).as("capture is off by default").isNull();
        });
        assertThat(logged.get(one.getPredictionId()).get(0).source()).isEqualTo(RequestSource.RAW);
        assertThat(logged.get(batchId + ".1").get(0).source()).isEqualTo(RequestSource.FLOAT);
        assertThat(logged.get(batchId + ".1").get(0).index()).isEqualTo(1);
    }

    private static ModelInferRequest.Builder infer(int from, int n) {
        InferTensorContents.Builder contents = InferTensorContents.newBuilder();
        byte[] images = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), from * FashionMnist.PIXELS,
                (from + n) * FashionMnist.PIXELS);
        for (byte b : images) {
            contents.addUintContents(b & 0xff);
        }
        return ModelInferRequest.newBuilder().setModelName("mlp").setId("client-id-7").addInputs(InferInputTensor
                .newBuilder().setName("images").setDatatype("UINT8").addShape(n).addShape(FashionMnist.PIXELS)
                .setContents(contents));
    }

    @Test
    void theOpenInferenceProtocolKeepsTheClientsIdAndCarriesOursOverGrpcAndRest() {
        Headers headers = new Headers();
        ModelInferResponse unary = v2.withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers.headers,
                headers.trailers)).modelInfer(infer(0, 2).build());
        assertThat(unary.getId()).as("the protocol's id echoes the client's").isEqualTo("client-id-7");
        String grpcId = unary.getParametersMap().get("fmnist_request_id").getStringParam();
        assertThat(grpcId).matches(REQUEST_ID).isEqualTo(headers.requestId());

        List<ModelStreamInferResponse> streamed = v2Streams.modelStreamInfer(Multi.createFrom().items(
                infer(2, 1).build(), infer(3, 1).build())).collect().asList().await().atMost(Duration.ofSeconds(30));
        List<String> streamIds = streamed.stream().map(r -> r.getInferResponse().getParametersMap()
                .get("fmnist_request_id").getStringParam()).toList();
        assertThat(streamIds).hasSize(2).allMatch(id -> id.matches(REQUEST_ID)).doesNotHaveDuplicates();

        String body = "{\"id\": \"rest-7\", \"inputs\": [{\"name\": \"images\", \"datatype\": \"FP32\", \"shape\": [1, 784], "
                + "\"data\": " + Arrays.toString(new float[FashionMnist.PIXELS]) + "}]}";
        ExtractableResponse<Response> rest = given().contentType("application/json").body(body)
                .post("/v2/models/mlp/infer").then().statusCode(200).body("id", equalTo("rest-7")).extract();
        String restId = rest.header("X-Request-Id");
        assertThat(restId).matches(REQUEST_ID);
        assertThat(rest.jsonPath().getString("parameters.fmnist_request_id")).isEqualTo(restId);

        Set<String> ids = new HashSet<>(List.of(grpcId + ".0", grpcId + ".1", restId));
        ids.addAll(streamIds);
        Map<String, List<PredictionRecord>> logged = TestRecords.read(Topic.PREDICTIONS, ids, 1,
                PredictionRecord::parse);
        assertThat(logged.keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(logged.get(grpcId + ".1").get(0).api()).isEqualTo("oip-grpc");
        assertThat(logged.get(grpcId + ".1").get(0).source()).isEqualTo(RequestSource.RAW);
        assertThat(logged.get(grpcId + ".1").get(0).index()).isEqualTo(1);
        assertThat(logged.get(streamIds.get(0)).get(0).api()).isEqualTo("oip-grpc");
        assertThat(logged.get(restId).get(0).api()).isEqualTo("oip-rest");
        assertThat(logged.get(restId).get(0).source()).isEqualTo(RequestSource.FLOAT);
    }

    @Test
    void aClientMayNameTheChampionByAliasAndIsToldWhenThereIsNoChallenger() {
        String version = artefact.manifest().version();
        assertThat(classifier.classify(ClassifyRequest.newBuilder().setImage(raw(0)).setModelVersion("champion")
                .build()).getModelVersion()).isEqualTo(version);
        assertThat(classifier.classify(ClassifyRequest.newBuilder().setImage(raw(0)).setModelVersion(version)
                .build()).getModelVersion()).isEqualTo(version);
        Status none = Status.fromThrowable(catchThrowable(() -> classifier.classify(ClassifyRequest.newBuilder()
                .setImage(raw(0)).setModelVersion("challenger").build())));
        assertThat(none.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(none.getDescription()).startsWith("model_version: model 'mlp' has no challenger now");
        Status unknown = Status.fromThrowable(catchThrowable(() -> classifier.classifyBatch(ClassifyBatchRequest
                .newBuilder().addImages(raw(0)).setModelVersion("000000000000").build())));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).startsWith("model_version: '000000000000' is not loaded");
        assertThat(v2.modelInfer(infer(0, 1).setModelVersion("champion").build()).getModelVersion()).isEqualTo(version);
    }

    @Test
    void feedbackOverGrpcAndRestArrivesOnTheFeedbackTopic() {
        ClassifyResponse answer = classifier.classify(ClassifyRequest.newBuilder().setImage(raw(6)).build());
        FeedbackResponse grpc = classifier.feedback(FeedbackRequest.newBuilder().setPredictionId(answer.getPredictionId())
                .setLabel("dress").setSource("reviewer").setBy("reviewer 7").build());
        assertThat(grpc.getPredictionId()).isEqualTo(answer.getPredictionId());
        assertThat(grpc.getLabel()).isEqualTo(3);
        assertThat(grpc.getLabelName()).isEqualTo("Dress");

        // a prediction this replica never made: another replica's, say; the join decides what it counts for
        String elsewhere = PredictionIds.newRequestId() + ".4";
        given().contentType("application/json").body("{\"prediction_id\": \"" + elsewhere + "\", \"label\": 7}")
                .post("/v2/feedback").then().statusCode(200).body("predictionId", equalTo(elsewhere))
                .body("label", equalTo(7)).body("labelName", equalTo("Sneaker")).body("source", equalTo("client"));

        Map<String, List<FeedbackRecord>> written = TestRecords.read(Topic.FEEDBACK,
                Set.of(answer.getPredictionId(), elsewhere), 1, FeedbackRecord::parse);
        FeedbackRecord reviewed = written.get(answer.getPredictionId()).get(0);
        assertThat(reviewed.label()).isEqualTo(3);
        assertThat(reviewed.source()).isEqualTo("reviewer");
        assertThat(reviewed.by()).isEqualTo("reviewer 7");
        FeedbackRecord client = written.get(elsewhere).get(0);
        assertThat(client.label()).isEqualTo(7);
        assertThat(client.source()).isEqualTo("client");
        assertThat(client.by()).isNull();
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("fmnist_feedback_received_total{source=\"reviewer\"}"));
    }

    private Status feedback(String predictionId, String label, String source, String by) {
        return Status.fromThrowable(catchThrowable(() -> classifier.feedback(FeedbackRequest.newBuilder()
                .setPredictionId(predictionId).setLabel(label).setSource(source).setBy(by).build())));
    }

    @Test
    void hostileFeedbackIsRefusedNamingTheField() {
        String id = PredictionIds.newRequestId();
        Map<String, Status> refused = Map.of(
                "prediction_id:", feedback("3f", "3", "", ""),
                "prediction_id: required", feedback("", "3", "", ""),
                "label: expected a class index 0..9 or a class name", feedback(id, "10", "", ""),
                "label: expected", feedback(id, "Shoe", "", ""),
                "label: required", feedback(id, "", "", ""),
                "source: expected one of client, reviewer", feedback(id, "3", "robot", ""),
                "by: at most 100 characters", feedback(id, "3", "", "x".repeat(10_000)),
                "by: expected printable characters", feedback(id, "3", "", "a\u0007b"));
        refused.forEach((message, status) -> {
            assertThat(status.getCode()).as(message).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(status.getDescription()).startsWith(message);
        });

        given().contentType("application/json").body("{\"prediction_id\": \"" + id + "\", \"label\": 10}")
                .post("/v2/feedback").then().statusCode(400).body("error", startsWith("label: expected"));
        given().contentType("application/json").body("{\"prediction_id\": \"" + id + "\", \"label\": true}")
                .post("/v2/feedback").then().statusCode(400).body("error", startsWith("label: expected"));
        given().contentType("application/json").body("{\"prediction_id\": 7, \"label\": 3}")
                .post("/v2/feedback").then().statusCode(400).body("error", startsWith("prediction_id: expected a string"));
        given().contentType("application/json").body("{\"prediction_id\": \"" + id + "\", \"label\": 3, \"colour\": 1}")
                .post("/v2/feedback").then().statusCode(400).body("error", startsWith("colour: unknown field"));
        given().contentType("application/json").body("[1, 2]").post("/v2/feedback").then().statusCode(400)
                .body("error", startsWith("body: expected a JSON object"));
        given().contentType("application/json").body("{\"prediction_id\": \"" + id + "\", \"label\": \"" + "x".repeat(5000)
                + "\"}").post("/v2/feedback").then().statusCode(413).body("error", startsWith("body: more than 4096 bytes"));
    }
}
