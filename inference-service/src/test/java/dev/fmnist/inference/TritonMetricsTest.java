package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelStatistics;
import dev.fmnist.proto.inference.ModelStatisticsRequest;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.Image;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Triton's metrics ({@code nv_inference_*}) on {@code /q/metrics}, read as Prometheus reads them,
 * after real traffic on gRPC, KServe v2 REST and fmnist.v1: every request counted once under the
 * version that answered, failures by reason, images, forward passes and summed microseconds, in
 * agreement with the statistics extension and the batcher's own meters.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class TritonMetricsTest {

    private static final String MODEL = "mlp";
    private static final List<String> NAMES = List.of("nv_inference_request_success", "nv_inference_request_failure",
            "nv_inference_count", "nv_inference_exec_count", "nv_inference_request_duration_us",
            "nv_inference_queue_duration_us", "nv_inference_compute_infer_duration_us");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static ModelArtefact artefact;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @GrpcClient("inference")
    GRPCInferenceService v2Async;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    /** One sample line of the exposition: its name, labels and value. */
    private record Sample(String name, Map<String, String> labels, double value) {}

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(41);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, version());
    }

    private static String version() {
        return artefact.manifest().version();
    }

    private static String scrape() {
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static List<Sample> samples(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.lines().toList()) {
            int brace = line.indexOf('{');
            if (line.startsWith("#") || brace < 0) {
                continue;
            }
            Map<String, String> labels = new TreeMap<>();
            Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}')));
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
            samples.add(new Sample(line.substring(0, brace), labels,
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))));
        }
        return samples;
    }

    /** The test version's nv_ series: name, or name/reason for failures, to value. */
    private static Map<String, Double> triton() {
        Map<String, Double> values = new HashMap<>();
        for (Sample s : samples(scrape())) {
            if (s.name().startsWith("nv_") && MODEL.equals(s.labels().get("model"))
                    && version().equals(s.labels().get("version"))) {
                values.put(s.labels().containsKey("reason") ? s.name() + "/" + s.labels().get("reason") : s.name(),
                        s.value());
            }
        }
        return values;
    }

    /** Forward passes of the test model, as the batcher's own summary counts them. */
    private static double forwardPasses() {
        return samples(scrape()).stream().filter(s -> s.name().equals("fmnist_inference_batch_size_count")
                && MODEL.equals(s.labels().get("model"))).mapToDouble(Sample::value).sum();
    }

    private static byte[] pixels(int images) {
        return Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, images * FashionMnist.PIXELS);
    }

    private static ModelInferRequest infer(List<Long> shape, int images) {
        return ModelInferRequest.newBuilder().setModelName(MODEL)
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addAllShape(shape))
                .addRawInputContents(ByteString.copyFrom(pixels(images))).build();
    }

    private static String restBody(String shape, int values) {
        byte[] raw = pixels(1 + values / FashionMnist.PIXELS);
        String data = Arrays.stream(Arrays.copyOf(toInts(raw), values)).mapToObj(Integer::toString)
                .collect(Collectors.joining(",", "[", "]"));
        return "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":" + shape + ",\"data\":" + data
                + "}]}";
    }

    private static int[] toInts(byte[] raw) {
        int[] values = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            values[i] = raw[i] & 0xff;
        }
        return values;
    }

    private static Image image() {
        return Image.newBuilder().setRawUint8(ByteString.copyFrom(pixels(1))).build();
    }

    @Test
    void everyRequestOnEveryProtocolIsCountedOnceAsTritonCountsIt() {
        Map<String, Double> before = triton();
        double passesBefore = forwardPasses();

        for (int i = 0; i < 3; i++) { // gRPC ModelInfer: 3 requests of 4 images
            v2.modelInfer(infer(List.of(4L, 784L), 4));
        }
        given().contentType("application/json").body(restBody("[2,784]", 2 * FashionMnist.PIXELS))
                .post("/v2/models/mlp/infer").then().statusCode(200); // REST: 1 request of 2
        classifier.classify(ClassifyRequest.newBuilder().setImage(image()).build()); // fmnist.v1: 1 of 1
        classifier.classifyBatch(ClassifyBatchRequest.newBuilder().addImages(image()).addImages(image())
                .addImages(image()).build()); // and 1 of 3
        List<Uni<ModelInferResponse>> together = new ArrayList<>(); // 8 of 1 at once: fewer passes than requests
        for (int i = 0; i < 8; i++) {
            together.add(v2Async.modelInfer(infer(List.of(1L, 784L), 1)));
        }
        Uni.join().all(together).andFailFast().await().atMost(Duration.ofSeconds(60));
        // one refusal per front end, each after its model was found: failures of reason OTHER
        assertThatThrownBy(() -> v2.modelInfer(infer(List.of(4L, 3L), 4))).isInstanceOf(StatusRuntimeException.class);
        given().contentType("application/json").body(restBody("[1,3]", 3)).post("/v2/models/mlp/infer").then()
                .statusCode(400);
        assertThatThrownBy(() -> classifier.classify(ClassifyRequest.getDefaultInstance()))
                .isInstanceOf(StatusRuntimeException.class);

        Map<String, Double> after = triton();
        Map<String, Double> delta = new HashMap<>();
        after.forEach((key, value) -> delta.put(key, value - before.getOrDefault(key, 0.0)));
        double passes = forwardPasses() - passesBefore;

        assertThat(delta.get("nv_inference_request_success")).as("requests answered").isEqualTo(14);
        assertThat(delta.get("nv_inference_count")).as("images answered").isEqualTo(12 + 2 + 1 + 3 + 8);
        assertThat(delta.get("nv_inference_exec_count")).as("forward passes, as the batcher counts them")
                .isEqualTo(passes).isBetween(7.0, 14.0);
        assertThat(delta.get("nv_inference_request_failure/OTHER")).as("refused requests").isEqualTo(3);
        assertThat(delta.get("nv_inference_request_failure/REJECTED")).isZero();
        assertThat(delta.get("nv_inference_request_failure/BACKEND")).isZero();
        assertThat(delta.get("nv_inference_request_failure/CANCELED")).isZero();
        double request = delta.get("nv_inference_request_duration_us");
        double queue = delta.get("nv_inference_queue_duration_us");
        double compute = delta.get("nv_inference_compute_infer_duration_us");
        assertThat(request).isPositive();
        assertThat(queue).isPositive();
        assertThat(compute).isPositive();
        assertThat(queue + compute).as("queued and computing, within arrival to answer").isLessThanOrEqualTo(request);

        // the same figures as the statistics extension's for this version, which count since it went live
        ModelStatistics stats = v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName(MODEL)
                .setVersion(version()).build()).getModelStats(0);
        Map<String, Double> now = triton();
        assertThat(now.get("nv_inference_request_success"))
                .isEqualTo(stats.getInferenceStats().getSuccess().getCount());
        assertThat(now.get("nv_inference_count")).isEqualTo(stats.getInferenceCount());
        assertThat(now.get("nv_inference_exec_count")).isEqualTo(stats.getExecutionCount());
        assertThat(now.get("nv_inference_request_failure/OTHER") + now.get("nv_inference_request_failure/REJECTED")
                + now.get("nv_inference_request_failure/BACKEND") + now.get("nv_inference_request_failure/CANCELED"))
                .isEqualTo(stats.getInferenceStats().getFail().getCount());
        assertThat(now.get("nv_inference_request_duration_us"))
                .isCloseTo(stats.getInferenceStats().getSuccess().getNs() / 1000.0, within(0.01));
        assertThat(now.get("nv_inference_queue_duration_us"))
                .isCloseTo(stats.getInferenceStats().getQueue().getNs() / 1000.0, within(0.01));
    }

    @Test
    void tritonsExactNamesAndLabelsAreExposedForTheLiveVersion() {
        String exposition = scrape();
        for (String name : NAMES) {
            assertThat(exposition).as(name + " declared under its own name").containsPattern(
                    "(?m)^# TYPE " + name + " \\w+$");
            assertThat(exposition).as(name + " with no suffix added").doesNotContain(name + "_total");
        }
        Map<String, List<Sample>> byName = samples(exposition).stream().filter(s -> s.name().startsWith("nv_"))
                .filter(s -> version().equals(s.labels().get("version")))
                .collect(Collectors.groupingBy(Sample::name));
        assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(NAMES);
        byName.forEach((name, series) -> {
            Set<String> expected = name.equals("nv_inference_request_failure") ? Set.of("model", "version", "reason")
                    : Set.of("model", "version");
            assertThat(series).as(name).allSatisfy(s -> {
                assertThat(s.labels().keySet()).isEqualTo(expected);
                assertThat(s.labels().get("model")).isEqualTo(MODEL);
            });
        });
        assertThat(byName.get("nv_inference_request_failure")).extracting(s -> s.labels().get("reason"))
                .containsExactlyInAnyOrder("REJECTED", "CANCELED", "BACKEND", "OTHER");
    }
}
