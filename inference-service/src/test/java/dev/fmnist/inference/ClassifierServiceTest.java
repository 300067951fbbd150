package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.FloatPixels;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ModelInfo;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A real gRPC client against the running service, fed artefacts through the real broker. */
@NeedsBroker
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // the swap test replaces the model the others expect: last
class ClassifierServiceTest {

    private static final FashionMnist DATA = TestArtefacts.DATA;
    private static final long WAIT_MS = 120_000;
    private static ModelArtefact first;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @GrpcClient("classifier")
    Classifier asyncClassifier;

    /** The same client's channel, for the standard health service: on whatever port the server bound. */
    @GrpcClient("classifier")
    Channel channel;

    @BeforeAll
    static void trainAndPublish() throws Exception {
        first = TestArtefacts.train(1);
        TestArtefacts.publish(ArtefactCodec.encode(first));
    }

    private void awaitVersion(String version) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (classifier.getModel(GetModelRequest.getDefaultInstance()).getVersion().equals(version)) {
                    return;
                }
            } catch (StatusRuntimeException e) {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            }
            Thread.sleep(200);
        }
        throw new AssertionError("version " + version + " never went live");
    }

    private static Image raw(int index) {
        byte[] pixels = Arrays.copyOfRange(DATA.test().images(), index * FashionMnist.PIXELS,
                (index + 1) * FashionMnist.PIXELS);
        return Image.newBuilder().setRawUint8(ByteString.copyFrom(pixels)).build();
    }

    private static Image png(int index, int side) throws IOException {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        byte[] pixels = Arrays.copyOfRange(DATA.test().images(), index * FashionMnist.PIXELS,
                (index + 1) * FashionMnist.PIXELS);
        image.getRaster().setDataElements(0, 0, side, side, side == 28 ? pixels : new byte[side * side]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return Image.newBuilder().setEncoded(ByteString.copyFrom(out.toByteArray())).build();
    }

    @Test
    void servesTheManifestsAccuracyOnTheWholeTestSetAndEveryEncodingAgrees() throws Exception {
        awaitVersion(first.manifest().version());
        var info = classifier.getModel(GetModelRequest.getDefaultInstance());
        assertThat(info.getArchitecture()).isEqualTo("mlp");
        assertThat(info.getParameterCount()).isEqualTo(159_010);
        assertThat(info.getExperimentId()).isEqualTo(first.manifest().experimentId());

        int correct = 0;
        for (int from = 0; from < 10_000; from += 1000) {
            ClassifyBatchRequest.Builder batch = ClassifyBatchRequest.newBuilder();
            for (int i = from; i < from + 1000; i++) {
                batch.addImages(raw(i));
            }
            ClassifyBatchResponse response = classifier.classifyBatch(batch.build());
            assertThat(response.getResultsCount()).isEqualTo(1000);
            for (int i = 0; i < 1000; i++) {
                if (response.getResults(i).getClassIndex() == DATA.test().labels()[from + i]) {
                    correct++;
                }
            }
        }
        assertThat(correct / 10_000.0).isCloseTo(first.manifest().testAccuracy(), Offset.offset(0.001));

        ClassifyResponse fromRaw = classifier.classify(ClassifyRequest.newBuilder().setImage(raw(0)).build());
        ClassifyResponse fromPng = classifier.classify(ClassifyRequest.newBuilder().setImage(png(0, 28)).build());
        FloatPixels.Builder floats = FloatPixels.newBuilder();
        for (int i = 0; i < FashionMnist.PIXELS; i++) {
            floats.addValues(Pixels.scale(DATA.test().images()[i]));
        }
        ClassifyResponse fromFloats = classifier.classify(ClassifyRequest.newBuilder()
                .setImage(Image.newBuilder().setFloatPixels(floats)).build());
        assertThat(fromPng.getProbabilitiesList()).isEqualTo(fromRaw.getProbabilitiesList());
        assertThat(fromFloats.getProbabilitiesList()).isEqualTo(fromRaw.getProbabilitiesList());
        assertThat(fromRaw.getProbabilitiesCount()).isEqualTo(10);
        assertThat(fromRaw.getClassName()).isEqualTo(FashionMnist.CLASS_NAMES[fromRaw.getClassIndex()]);
        assertThat(fromRaw.getModelVersion()).isEqualTo(first.manifest().version());
    }

    @Test
    void badInputNamesTheFieldWhatWasExpectedAndWhatCame() throws Exception {
        awaitVersion(first.manifest().version());
        assertStatus(() -> classifier.classify(ClassifyRequest.newBuilder().setImage(Image.newBuilder()
                .setRawUint8(ByteString.copyFrom(new byte[100]))).build()), Status.Code.INVALID_ARGUMENT,
                "image.raw_uint8: expected 784 bytes (28x28), got 100");
        FloatPixels.Builder nan = FloatPixels.newBuilder();
        for (int i = 0; i < FashionMnist.PIXELS; i++) {
            nan.addValues(i == 5 ? Float.NaN : 0.5f);
        }
        assertStatus(() -> classifier.classify(ClassifyRequest.newBuilder().setImage(Image.newBuilder()
                .setFloatPixels(nan)).build()), Status.Code.INVALID_ARGUMENT,
                "image.float_pixels[5]: expected a value in [0, 1], got NaN");
        assertStatus(() -> classifier.classify(ClassifyRequest.newBuilder().setImage(Image.newBuilder()
                .setEncoded(ByteString.copyFromUtf8("not a png"))).build()), Status.Code.INVALID_ARGUMENT,
                "image.encoded: not a decodable PNG or JPEG");
        Image big = png(0, 32);
        assertStatus(() -> classifier.classify(ClassifyRequest.newBuilder().setImage(big)
                .setConversion(Conversion.CONVERSION_NONE).build()), Status.Code.INVALID_ARGUMENT,
                "image.encoded: expected a 28x28 image, got 32x32 (set resize to scale it");
        assertThat(classifier.classify(ClassifyRequest.newBuilder().setImage(big).setResize(true)
                .setConversion(Conversion.CONVERSION_NONE).build()).getProbabilitiesCount()).isEqualTo(10);
        assertThat(classifier.classify(ClassifyRequest.newBuilder().setImage(big).build()).getProbabilitiesCount())
                .as("the photo conversion fits any size").isEqualTo(10);
        assertStatus(() -> classifier.classify(ClassifyRequest.newBuilder().setImage(raw(0)).setConversionValue(7)
                .build()), Status.Code.INVALID_ARGUMENT, "conversion: unknown value 7; expected CONVERSION_AUTO (0)");
        assertStatus(() -> classifier.classifyBatch(ClassifyBatchRequest.newBuilder().addImages(raw(0))
                .setConversionValue(-1).build()), Status.Code.INVALID_ARGUMENT, "conversion: unknown value -1");
        assertStatus(() -> classifier.classify(ClassifyRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
                "image: no pixels");
        assertStatus(() -> classifier.classifyBatch(ClassifyBatchRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "images: expected 1 to 1000 images, got none");
        ClassifyBatchRequest.Builder tooMany = ClassifyBatchRequest.newBuilder();
        for (int i = 0; i < 1001; i++) {
            tooMany.addImages(raw(i));
        }
        // a request that can never succeed is INVALID_ARGUMENT; RESOURCE_EXHAUSTED means "the queue is full"
        assertStatus(() -> classifier.classifyBatch(tooMany.build()), Status.Code.INVALID_ARGUMENT,
                "images: at most 1000 images per ClassifyBatch, got 1001");
    }

    @Test
    void classifyStreamAnswersEachImageInOrderAndABadOneWithItsOwnError() throws Exception {
        awaitVersion(first.manifest().version());
        List<ClassifyRequest> requests = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            requests.add(ClassifyRequest.newBuilder().setImage(raw(i)).build());
        }
        List<ClassifyResponse> answers = asyncClassifier.classifyStream(Multi.createFrom().iterable(requests))
                .collect().asList().await().atMost(Duration.ofMinutes(1));

        assertThat(answers).hasSize(50);
        for (int i : new int[] {0, 17, 49}) {
            assertThat(answers.get(i).getProbabilitiesList())
                    .isEqualTo(classifier.classify(requests.get(i)).getProbabilitiesList());
        }
        // good, bad, good: three answers in order, the bad one carrying its own error; the stream goes on
        Multi<ClassifyRequest> withBadOne = Multi.createFrom().items(requests.get(0),
                ClassifyRequest.newBuilder().setImage(Image.newBuilder().setRawUint8(ByteString.copyFrom(new byte[3])))
                        .build(), requests.get(1));
        List<ClassifyResponse> mixed = asyncClassifier.classifyStream(withBadOne).collect().asList().await()
                .atMost(Duration.ofMinutes(1));
        assertThat(mixed).hasSize(3);
        assertThat(mixed.get(0).hasError()).isFalse();
        assertThat(mixed.get(0).getProbabilitiesList()).isEqualTo(answers.get(0).getProbabilitiesList());
        assertThat(mixed.get(1).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
        assertThat(mixed.get(1).getError().getStatus()).isEqualTo("INVALID_ARGUMENT");
        assertThat(mixed.get(1).getError().getMessage()).contains("image.raw_uint8: expected 784 bytes (28x28), got 3");
        assertThat(mixed.get(1).getProbabilitiesCount()).isZero();
        assertThat(mixed.get(2).hasError()).isFalse();
        assertThat(mixed.get(2).getProbabilitiesList()).isEqualTo(answers.get(1).getProbabilitiesList());
    }

    @Test
    void grpcHealthSaysServingAndLatencyIsAHistogramPerRpcAndCode() throws Exception {
        awaitVersion(first.manifest().version());
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        for (String service : List.of("", "fmnist.v1.Classifier", "inference.GRPCInferenceService")) {
            assertThat(health.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus())
                    .as("gRPC health of '%s'", service).isEqualTo(ServingStatus.SERVING);
        }
        classifier.classify(ClassifyRequest.newBuilder().setImage(raw(0)).build());
        assertThatThrownBy(() -> classifier.classify(ClassifyRequest.getDefaultInstance()));

        String metrics = RestAssured.get("/q/metrics").then().extract().asString();
        assertThat(metrics.lines().filter(l -> l.startsWith("grpc_server_processing_duration_seconds_bucket{")
                && l.contains("method=\"Classify\"") && l.contains("statusCode=\"OK\"")).count())
                .as("latency buckets of Classify OK").isGreaterThan(10);
        assertThat(metrics.lines().anyMatch(l -> l.startsWith("grpc_server_processing_duration_seconds_count{")
                && l.contains("method=\"Classify\"") && l.contains("statusCode=\"INVALID_ARGUMENT\""))).isTrue();
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void aNewArtefactIsSwappedInUnderLoadAndACorruptOneIsRefused() throws Exception {
        awaitVersion(first.manifest().version());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Thread load = new Thread(() -> {
            while (running.get()) {
                try {
                    classifier.classify(ClassifyRequest.newBuilder().setImage(raw(ok.get() % 100)).build());
                    ok.incrementAndGet();
                } catch (RuntimeException e) {
                    failed.incrementAndGet();
                }
            }
        });
        load.start();
        ModelArtefact second = TestArtefacts.train(2);
        TestArtefacts.publish(ArtefactCodec.encode(second));
        awaitVersion(second.manifest().version());
        byte[] tampered = ArtefactCodec.encode(TestArtefacts.train(3));
        tampered[tampered.length / 2] ^= 0x7f;
        TestArtefacts.publish(tampered);
        TestArtefacts.publish("not an artefact".getBytes());
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (refusals() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        running.set(false);
        load.join();

        assertThat(refusals()).isGreaterThanOrEqualTo(2);
        ModelInfo model = classifier.getModel(GetModelRequest.getDefaultInstance());
        assertThat(model.getVersion()).isEqualTo(second.manifest().version());
        assertThat(model.getRefusedList()).as("GetModel says what was refused and why").hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(r -> assertThat(r.getReason()).isNotBlank());
        assertThat(model.getRefusedList().get(model.getRefusedCount() - 1).getReason()).startsWith("unreadable artefact at offset ");
        assertThat(failed.get()).isZero();
        assertThat(ok.get()).isPositive();
        RestAssured.get("/q/health/ready").then().statusCode(200);
    }

    /**
     * Every one of 200 calls at once is answered or refused with RESOURCE_EXHAUSTED, nothing else.
     * Whether the queue of 16 fills depends on how fast two cores deliver the calls against how fast
     * the workers drain it (one CI run saw no refusal), so the refusal itself is DynamicBatcherTest's
     * deterministic check ({@code aFullQueueRefusesAtOnceWithResourceExhaustedAndRecoversWhenItDrains}).
     */
    @Test
    void concurrentRequestsShareForwardPassesAndAnyOverloadIsRefusedAtOnce() throws Exception {
        awaitVersion(first.manifest().version());
        List<Uni<ClassifyResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(asyncClassifier.classify(ClassifyRequest.newBuilder().setImage(raw(i)).build()));
        }
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger exhausted = new AtomicInteger();
        List<Throwable> other = new ArrayList<>();
        Uni.join().all(calls.stream().map(u -> u.onItem().invoke(r -> answered.incrementAndGet())
                .onFailure().recoverWithItem(e -> {
                    if (e instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                        exhausted.incrementAndGet();
                    } else {
                        synchronized (other) {
                            other.add(e);
                        }
                    }
                    return null;
                })).toList()).andCollectFailures().await().atMost(Duration.ofMinutes(2));

        assertThat(other).isEmpty();
        assertThat(answered.get() + exhausted.get()).isEqualTo(200);
        assertThat(answered.get()).isPositive();
        String metrics = RestAssured.get("/q/metrics").then().extract().asString();
        double largestBatch = metrics.lines().filter(l -> l.startsWith("fmnist_inference_batch_size_max"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0);
        assertThat(largestBatch).as("requests coalesced into one forward pass").isGreaterThan(1);
    }

    private static double refusals() {
        String metrics = RestAssured.get("/q/metrics").then().extract().asString();
        return metrics.lines().filter(l -> l.startsWith("fmnist_inference_model_loads_total{model=\"mlp\",result=\"refused\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
