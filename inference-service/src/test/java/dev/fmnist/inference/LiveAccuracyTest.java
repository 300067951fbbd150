package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.inference.live.LiveStatsView;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live-accuracy processor on the real broker, in the service: predictions and labels produced to
 * their topics come back as the served version's {@link LiveStats} on the live-accuracy topic, in the
 * {@link LiveStatsView} and as gauges on {@code /q/metrics}; garbage on the input is counted and skipped.
 */
@NeedsBroker
@QuarkusTest
@TestProfile(LiveAccuracyTest.LiveOn.class)
@QuarkusTestResource(TestTopicsResource.class)
class LiveAccuracyTest {

    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static ModelArtefact artefact;

    /** The processor runs only where a test asks for it. */
    public static final class LiveOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fmnist.live.enabled", "true", "fmnist.live.accuracy-floor", "0.75");
        }
    }

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @Inject
    LiveStatsView view;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(43);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    private static String version() {
        return artefact.manifest().version();
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static PredictionRecord prediction(String id, int predicted, Instant at) {
        float[] probabilities = new float[10];
        probabilities[predicted] = 1f;
        return new PredictionRecord(id, id, 0, "mlp", version(), PredictionRole.SERVED, predicted, probabilities,
                "classify", RequestSource.RAW, 400, at, null, null, null);
    }

    /** Waits for {@code probe} to give a value; fails naming {@code what} after {@link #PATIENCE}. */
    private static <T> T await(String what, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not within " + PATIENCE + ": " + what);
    }

    /** The value of the one sample of {@code name} whose labels include {@code labels}, if it is exported. */
    private static Optional<Double> sample(String exposition, String name, Map<String, String> labels) {
        return exposition.lines().filter(line -> line.startsWith(name + "{"))
                .filter(line -> labels.entrySet().stream().allMatch(e -> line.contains(e.getKey() + "=\"" + e.getValue()
                        + "\"")))
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst();
    }

    @Test
    void labelledPredictionsBecomeTheServedVersionsLiveAccuracyOnTheTopicTheViewAndTheGauges() throws Exception {
        TestArtefacts.awaitLive(v2, version());
        Instant now = Instant.now();
        int labelled = 8;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            String predictions = TestTopics.name(Topic.PREDICTIONS);
            String feedback = TestTopics.name(Topic.FEEDBACK);
            producer.send(new ProducerRecord<>(predictions, "garbage", "{\"predictionId\":".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < 10; i++) {
                String id = String.format("%032x", 0xfeed0000L + i);
                producer.send(new ProducerRecord<>(predictions, id, prediction(id, 3, now).toJson()));
                if (i < labelled) {
                    // 6 of the 8 labels agree with the answer
                    int label = i < 6 ? 3 : 5;
                    producer.send(new ProducerRecord<>(feedback, id,
                            new FeedbackRecord(id, label, FeedbackRecord.REVIEWER, "live-test", now).toJson()));
                }
            }
            producer.flush();
        }

        String key = LiveStats.key("mlp", version());
        // the labels count as they are joined, the predictions in their task's tally once a second: both awaited
        LiveStats onTopic = await("the version's statistics with every label and prediction on "
                + TestTopics.name(Topic.LIVE_ACCURACY), () -> readLiveTopic().getOrDefault(key, Optional.empty())
                        .filter(s -> s.labelled() == labelled && s.predictions() >= 10));
        assertThat(onTopic.predictions()).isEqualTo(10);
        assertThat(onTopic.correct()).isEqualTo(6);
        assertThat(onTopic.confusion()[5][3]).isEqualTo(2);

        LiveStats viewed = await("the view to hold the labelled statistics",
                () -> view.get("mlp", version()).filter(s -> s.labelled() == labelled));
        assertThat(viewed.accuracy()).isEqualTo(0.75);
        assertThat(view.all()).extracting(LiveStats::key).contains(key);

        Map<String, String> tags = Map.of("model", "mlp", "version", version());
        double accuracy = await("fmnist_live_accuracy of the served version on /q/metrics",
                () -> sample(scrape(), "fmnist_live_accuracy", tags));
        String exposition = scrape();
        assertThat(accuracy).isEqualTo(0.75);
        assertThat(sample(exposition, "fmnist_live_labelled", tags)).contains((double) labelled);
        assertThat(sample(exposition, "fmnist_live_predictions", Map.of("model", "mlp", "version", version(), "role",
                "served"))).contains(10.0);
        assertThat(sample(exposition, "fmnist_live_accuracy_recent", Map.of("model", "mlp", "version", version(),
                "window", "200"))).contains(0.75);
        assertThat(sample(exposition, "fmnist_live_version_role", Map.of("model", "mlp", "version", version(),
                "role", "champion"))).contains(1.0);
        assertThat(exposition).contains("fmnist_live_accuracy_floor 0.75");
        assertThat(sample(exposition, "fmnist_live_records_refused_total", Map.of("topic", "predictions", "reason",
                "invalid"))).contains(1.0);
        // the drift against the version's own test-set predictions (its manifest's): all ten answers were class 3
        int[] test = artefact.manifest().testPredicted();
        assertThat(test).as("the artefact's manifest carries its test-set predictions").isNotNull();
        double expected = 1.0 - test[3] / (double) Arrays.stream(test).sum();
        assertThat(sample(exposition, "fmnist_live_drift", tags)).hasValueSatisfying(
                drift -> assertThat(drift).isCloseTo(expected, within(1e-9)));
    }

    private static String scrape() {
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** Every record on the live-accuracy topic, the newest per key, parsed (empty where refused). */
    private static Map<String, Optional<LiveStats>> readLiveTopic() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Optional<LiveStats>> latest = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(
                    TestTopics.name(Topic.LIVE_ACCURACY), 0);
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        latest.put(record.key(), Optional.of(LiveStats.parse(record.key(), record.value())));
                    } catch (IllegalArgumentException e) {
                        latest.put(record.key(), Optional.empty());
                    }
                }
            }
        }
        return latest;
    }
}
