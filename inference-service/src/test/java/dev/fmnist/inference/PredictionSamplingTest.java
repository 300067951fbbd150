package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.FloatPixels;
import dev.fmnist.proto.v1.Image;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction log's per-model settings, on the real broker: one service serves two models, {@code mlp}
 * with capture on (its records carry the 784 gray levels the model read) and {@code baseline} with a
 * sample rate of 0 (answered with request ids as ever, never recorded, and nothing counted as dropped).
 * One profile for both, as a profile costs a restart of the service.
 */
@NeedsBroker
@QuarkusTest
@TestProfile(PredictionSamplingTest.CaptureOneSilenceTheOther.class)
@QuarkusTestResource(TestTopicsResource.class)
class PredictionSamplingTest {

    private static final String CAPTURED = "mlp";
    private static final String SILENT = "baseline";
    private static ModelArtefact captured;
    private static ModelArtefact silent;

    /** Two served models, each with its own prediction-log settings, over the defaults (rate 1, no capture). */
    public static final class CaptureOneSilenceTheOther implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fmnist.serving.models", CAPTURED + "," + SILENT,
                    "fmnist.predictions.models.\"" + CAPTURED + "\".capture-pixels", "true",
                    "fmnist.predictions.models.\"" + SILENT + "\".sample-rate", "0");
        }
    }

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void publish() throws Exception {
        captured = TestArtefacts.train(83);
        TestArtefacts.publish(CAPTURED, ArtefactCodec.encode(captured));
        // a small BaselineNet: what it answers does not matter here, only that it answers
        silent = TestArtefacts.train(Architecture.BASELINE, 84, 1000, 1);
        TestArtefacts.publish(SILENT, ArtefactCodec.encode(silent));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, CAPTURED, captured.manifest().version());
        TestArtefacts.awaitLive(v2, SILENT, silent.manifest().version());
    }

    private static ClassifyRequest classify(String model, int index) {
        return ClassifyRequest.newBuilder().setModel(model).setImage(PredictionLogTest.raw(index)).build();
    }

    @Test
    void withCaptureOnARecordCarriesTheGrayLevelsTheModelRead() {
        ClassifyResponse one = classifier.classify(classify(CAPTURED, 0));
        FloatPixels.Builder floats = FloatPixels.newBuilder();
        for (byte level : PredictionLogTest.levels(2)) {
            floats.addValues(Pixels.scale(level));
        }
        ClassifyBatchResponse batch = classifier.classifyBatch(ClassifyBatchRequest.newBuilder().setModel(CAPTURED)
                .addImages(PredictionLogTest.raw(1)).addImages(Image.newBuilder().setFloatPixels(floats)).build());
        // prediction id -> the test image it carried
        Map<String, Integer> images = Map.of(one.getPredictionId(), 0, batch.getResults(0).getPredictionId(), 1,
                batch.getResults(1).getPredictionId(), 2);

        Map<String, List<PredictionRecord>> logged = TestRecords.read(Topic.PREDICTIONS, images.keySet(), 1,
                PredictionRecord::parse);
        assertThat(logged.keySet()).containsExactlyInAnyOrderElementsOf(images.keySet());
        images.forEach((id, image) -> {
            PredictionRecord record = logged.get(id).get(0);
            assertThat(record.model()).isEqualTo(CAPTURED);
            assertThat(record.version()).isEqualTo(captured.manifest().version());
            assertThat(record.pixels()).as("the pixels of %s", id).isEqualTo(PredictionLogTest.levels(image));
        });
        assertThat(logged.get(batch.getResults(1).getPredictionId()).get(0).source()).isEqualTo(RequestSource.FLOAT);
    }

    @Test
    void atSampleRateZeroAModelIsAnsweredButNothingIsRecordedOrDropped() {
        Set<String> silentIds = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            ClassifyResponse answer = classifier.classify(classify(SILENT, i));
            assertThat(answer.getModelVersion()).isEqualTo(silent.manifest().version());
            assertThat(answer.getPredictionId()).as("a request id is the client's whether or not it is logged")
                    .isNotEmpty();
            silentIds.add(answer.getPredictionId());
        }
        ClassifyBatchResponse batch = classifier.classifyBatch(ClassifyBatchRequest.newBuilder().setModel(SILENT)
                .addImages(PredictionLogTest.raw(3)).addImages(PredictionLogTest.raw(4)).build());
        batch.getResultsList().forEach(r -> silentIds.add(r.getPredictionId()));
        assertThat(silentIds).hasSize(5);

        // answered after them, so queued after them if they had been: once it is on the topic, they would be
        String after = classifier.classify(classify(CAPTURED, 5)).getPredictionId();
        TestRecords.read(Topic.PREDICTIONS, Set.of(after), 1, PredictionRecord::parse);
        assertThat(keysOnTheTopic()).doesNotContainAnyElementsOf(silentIds);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(sample(metrics, "fmnist_predictions_logged_total", SILENT, null)).isZero();
        for (String reason : List.of("buffer", "producer", "invalid")) {
            assertThat(sample(metrics, "fmnist_predictions_dropped_total", SILENT, reason)).as(reason).isZero();
        }
        assertThat(sample(metrics, "fmnist_predictions_logged_total", CAPTURED, null)).isPositive();
    }

    /** The value of {@code name}'s series for {@code model} (and {@code reason}, if not null); fails if none. */
    private static double sample(String exposition, String name, String model, String reason) {
        List<Double> values = exposition.lines().filter(line -> line.startsWith(name + "{"))
                .filter(line -> line.contains("model=\"" + model + "\""))
                .filter(line -> reason == null || line.contains("reason=\"" + reason + "\""))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).toList();
        assertThat(values).as("%s{model=%s, reason=%s}", name, model, reason).hasSize(1);
        return values.get(0);
    }

    /** The key of every record on the predictions topic now, read up to the end of each partition. */
    private static Set<String> keysOnTheTopic() {
        String topic = TestTopics.name(Topic.PREDICTIONS);
        Map<String, Object> settings = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Set<String> keys = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read %s to its end within 30 s", topic).isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    keys.add(record.key());
                }
            }
        }
        return keys;
    }
}
