package dev.fmnist.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Rejected;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.NamedRecipe;
import dev.fmnist.contract.experiments.SweepRow;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.engine.runtime.ComputeEngine;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real round trips through the broker that bin/test starts: requests in, events and artefacts out. */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class ExperimentLifecycleTest {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static KafkaTestSupport kafka;

    @Inject
    ComputeEngine engine; // the service's own: its device is the one the events must name

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestSupport();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    /** A request small enough to train in about a second. */
    private static Map<String, Object> small(String id) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("experimentId", id);
        request.put("architecture", "mlp");
        request.put("epochs", 1);
        request.put("batchSize", 500);
        request.put("trainLimit", 1000);
        request.put("tags", Map.of("suite", "lifecycle"));
        return request;
    }

    private static boolean ended(List<ExperimentEvent> events, String id) {
        return events.stream().anyMatch(e -> e.experimentId().equals(id) && e.type().isTerminal());
    }

    /** The first event of a kind. */
    private static <T extends ExperimentEvent> T first(List<ExperimentEvent> events, Class<T> kind) {
        return events.stream().filter(kind::isInstance).map(kind::cast).findFirst().orElseThrow();
    }

    private static List<Type> types(List<ExperimentEvent> events, String id) {
        return events.stream().filter(e -> e.experimentId().equals(id)).map(ExperimentEvent::type).toList();
    }

    @Test
    void aSmallRequestIsTrainedAndItsArtefactPublished() {
        String id = KafkaTestSupport.id("small");
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(small(id)));

        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);

        assertThat(types(events, id)).containsExactly(Type.QUEUED, Type.RUNNING, Type.EPOCH, Type.SUCCEEDED);
        Running running = (Running) events.get(1);
        assertThat(running.device()).isEqualTo(engine.device().toString());
        assertThat(running.worker()).isNotBlank().endsWith("-" + ProcessHandle.current().pid()); // host-pid
        Epoch epoch = (Epoch) events.get(2);
        // every figure measured; no validation figures without a validation split
        assertThat(epoch.metrics()).hasNoNullFieldsOrPropertiesExcept("valAccuracy", "valLoss");
        assertThat(epoch.metrics().valAccuracy()).isNull();
        Succeeded succeeded = (Succeeded) events.get(3);
        assertThat(succeeded.metrics().testAccuracy()).isGreaterThan(0.5);
        assertThat(succeeded.metrics()).as("the published (last) epoch's figures").isEqualTo(epoch.metrics());
        assertThat(succeeded.subject().tags()).containsEntry("suite", "lifecycle");

        List<ConsumerRecord<String, byte[]>> models = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.MODELS),
                rs -> rs.stream().anyMatch(r -> header(r, Headers.EXPERIMENT_ID).equals(id)), WAIT);
        ConsumerRecord<String, byte[]> record = models.stream()
                .filter(r -> header(r, Headers.EXPERIMENT_ID).equals(id)).findFirst().orElseThrow();
        assertThat(record.key()).isEqualTo("mlp");
        ModelArtefact artefact = ArtefactCodec.decode(record.value());
        assertThat(artefact.manifest().experimentId()).isEqualTo(id);
        assertThat(artefact.manifest().version()).isEqualTo(succeeded.artefactVersion());
        assertThat(header(record, Headers.PARAMETERS_SHA256)).isEqualTo(artefact.manifest().parametersSha256());

        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("fmnist_experiments_total{architecture=\"mlp\",status=\"succeeded\"}")
                .contains("fmnist_training_last_test_accuracy{architecture=\"mlp\",experiment=\"" + id + "\"}")
                .contains("fmnist_training_epoch_duration_seconds_bucket{architecture=\"mlp\"")
                .contains("fmnist_training_images_per_second")
                .contains("fmnist_process_resident_memory_bytes")
                .contains("fmnist_trainer_device{device=\"" + engine.device() + "\"}")
                .contains("kafka_consumer_fetch_manager_records_lag_max");
        RestAssured.get("/q/health/ready").then().statusCode(200);
    }

    /**
     * The named recipe arrives as one field and trains its own network with its own hyper-parameters
     * (shortened here by the request's other fields, which change what the recipe set); the artefact's
     * manifest records every value, not the name.
     */
    @Test
    void theSpeedrunRecipeTrainsSpeedBnWithItsHyperParameters() {
        String id = KafkaTestSupport.id("speedrun");
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("experimentId", id);
        request.put("recipe", "speedrun");
        request.put("epochs", 1);
        request.put("trainLimit", 1000);
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(request));

        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);

        assertThat(types(events, id)).containsExactly(Type.QUEUED, Type.RUNNING, Type.EPOCH, Type.SUCCEEDED);
        assertThat(((Epoch) events.get(2)).metrics().trainAccuracy()).as("the recipe measures no train accuracy").isNull();
        List<ConsumerRecord<String, byte[]>> models = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.MODELS),
                rs -> rs.stream().anyMatch(r -> header(r, Headers.EXPERIMENT_ID).equals(id)), WAIT);
        ConsumerRecord<String, byte[]> record = models.stream()
                .filter(r -> header(r, Headers.EXPERIMENT_ID).equals(id)).findFirst().orElseThrow();
        assertThat(record.key()).isEqualTo("speed-bn");
        ModelArtefact artefact = ArtefactCodec.decode(record.value());
        assertThat(artefact.manifest().architecture()).isEqualTo("speed-bn");
        assertThat(artefact.manifest().hyperParameters()).isEqualTo(NamedRecipe.SPEEDRUN.hyperParameters()
                .optEpochs(1).optTrainLimit(1000).build());
        assertThat(header(record, Headers.TEST_TIME_FLIP)).as("the recipe's test-time flips").isEqualTo("true");
        assertThat(header(record, Headers.VERSION)).isEqualTo(artefact.manifest().version())
                .isNotEqualTo(ModelManifest.version(artefact.manifest().parametersSha256(), false));
    }

    @Test
    void theSameRequestSentTwiceIsTrainedOnce() {
        String id = KafkaTestSupport.id("twice");
        String marker = KafkaTestSupport.id("after-twice");
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(small(id)));
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(small(id)));
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), marker, KafkaTestSupport.json(small(marker)));

        // requests on one partition are taken in order: once the marker ended, the duplicate was seen
        KafkaTestSupport.events(marker, es -> ended(es, marker), WAIT);
        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> true, Duration.ofSeconds(5));

        assertThat(types(events, id)).containsExactly(Type.QUEUED, Type.RUNNING, Type.EPOCH, Type.SUCCEEDED);
    }

    @Test
    void aRejectionGoesUnderTheBodysIdAndALateBadBodyIsDeadLetteredWithoutASecondEnd() {
        String id = KafkaTestSupport.id("body-id");
        String topic = KafkaTestSupport.topic(Topic.EXPERIMENTS);
        kafka.send(topic, null, "{\"experimentId\": \"" + id + "\", \"architecture\": \"mlp\", \"k\": 3}");
        List<ExperimentEvent> rejected = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);
        assertThat(types(rejected, id)).containsExactly(Type.REJECTED);
        Rejected refusal = (Rejected) rejected.get(0);
        assertThat(refusal.field()).isEqualTo("k");
        assertThat(refusal.rule()).isEqualTo("does not apply to mlp; only compare takes k");

        kafka.send(topic, id, "{\"architecture\": "); // malformed, under the key of an experiment that ended
        String marker = KafkaTestSupport.id("after-late-bad");
        kafka.send(topic, marker, KafkaTestSupport.json(small(marker)));
        KafkaTestSupport.events(marker, es -> ended(es, marker), WAIT);

        assertThat(types(KafkaTestSupport.events(id, es -> true, Duration.ofSeconds(3)), id)).containsExactly(Type.REJECTED);
        List<ConsumerRecord<String, byte[]>> dlq = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.EXPERIMENTS_DLQ),
                rs -> rs.stream().filter(r -> id.equals(r.key())).count() == 2, WAIT);
        assertThat(dlq.stream().filter(r -> id.equals(r.key())).map(r -> header(r, Headers.ERROR_FIELD)))
                .containsExactly("k", "$");
    }

    @Test
    void badRequestsAreRejectedAndDeadLetteredWhileAGoodOneBehindThemSucceeds() {
        String prefix = KafkaTestSupport.id("bad");
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put(prefix + "-json", "{\"architecture\": \"mlp\", ");
        bad.put(prefix + "-arch", "{\"architecture\": \"resnet\"}");
        bad.put(prefix + "-k", "{\"architecture\": \"compare\", \"k\": 9}");
        bad.put(prefix + "-epochs", "{\"epochs\": 5000}");
        bad.put(prefix + "-batch", "{\"batchSize\": 0}");
        bad.put(prefix + "-type", "{\"epochs\": \"ten\"}");
        bad.put(prefix + "-limit", "{\"batchSize\": 1000, \"trainLimit\": 500}");
        byte[] huge = new byte[5 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        huge[huge.length - 1] = '}';
        bad.forEach((key, body) -> kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), key, body));
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), prefix + "-huge", huge);
        String good = prefix + "-good";
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), good, KafkaTestSupport.json(small(good)));

        List<ExperimentEvent> events = KafkaTestSupport.events(prefix, es -> ended(es, good), WAIT);

        Map<String, String> expectedField = Map.of(prefix + "-json", "$", prefix + "-arch", "architecture",
                prefix + "-k", "k", prefix + "-epochs", "epochs", prefix + "-batch", "batchSize",
                prefix + "-type", "epochs", prefix + "-limit", "batchSize", prefix + "-huge", "$");
        expectedField.forEach((key, field) -> {
            List<ExperimentEvent> own = events.stream().filter(e -> e.experimentId().equals(key)).toList();
            assertThat(own).as(key).hasSize(1);
            assertThat(own.get(0)).as(key).isInstanceOf(Rejected.class);
            Rejected rejected = (Rejected) own.get(0);
            assertThat(rejected.field()).as(key).isEqualTo(field);
            assertThat(rejected.rule()).as(key).isNotBlank();
        });
        assertThat(((Rejected) events.stream().filter(e -> e.experimentId().equals(prefix + "-type")).findFirst()
                .orElseThrow()).rule()).isEqualTo("must be a whole number, got \"ten\"");
        assertThat(types(events, good)).endsWith(Type.SUCCEEDED);

        List<ConsumerRecord<String, byte[]>> dlq = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.EXPERIMENTS_DLQ),
                rs -> rs.stream().filter(r -> r.key().startsWith(prefix)).count() == expectedField.size(), WAIT);
        List<ConsumerRecord<String, byte[]>> ours = dlq.stream().filter(r -> r.key().startsWith(prefix)).toList();
        assertThat(ours).hasSize(expectedField.size());
        ConsumerRecord<String, byte[]> arch = ours.stream().filter(r -> r.key().equals(prefix + "-arch")).findFirst()
                .orElseThrow();
        assertThat(new String(arch.value(), StandardCharsets.UTF_8)).isEqualTo("{\"architecture\": \"resnet\"}");
        assertThat(header(arch, Headers.ERROR_FIELD)).isEqualTo("architecture");
        assertThat(header(arch, Headers.ERROR_RULE)).contains("unknown architecture 'resnet'");
    }

    @Test
    void aForgedOrBrokenSweepChildHeaderIsRejectedNamingTheHeader() {
        String prefix = KafkaTestSupport.id("child");
        String topic = KafkaTestSupport.topic(Topic.EXPERIMENTS);
        Map<String, Object> sweep = small(prefix + "-range");
        sweep.put("sweep", Map.of("parameter", "learningRate", "values", List.of(0.01, 0.02)));
        kafka.send(topic, prefix + "-range", KafkaTestSupport.json(sweep), Headers.SWEEP_CHILD, "2");
        Map<String, Object> text = small(prefix + "-text");
        text.put("sweep", Map.of("parameter", "learningRate", "values", List.of(0.01, 0.02)));
        kafka.send(topic, prefix + "-text", KafkaTestSupport.json(text), Headers.SWEEP_CHILD, "first");
        kafka.send(topic, prefix + "-single", KafkaTestSupport.json(small(prefix + "-single")), Headers.SWEEP_CHILD, "0");
        String good = prefix + "-good";
        kafka.send(topic, good, KafkaTestSupport.json(small(good)));

        List<ExperimentEvent> events = KafkaTestSupport.events(prefix, es -> ended(es, good), WAIT);
        for (String id : List.of(prefix + "-range", prefix + "-text", prefix + "-single")) {
            assertThat(types(events, id)).as(id).containsExactly(Type.REJECTED);
            Rejected rejected = (Rejected) events.stream().filter(e -> e.experimentId().equals(id)).findFirst().orElseThrow();
            assertThat(rejected.field()).as(id).isEqualTo("header " + Headers.SWEEP_CHILD);
        }
        assertThat(((Rejected) events.stream().filter(e -> e.experimentId().equals(prefix + "-range")).findFirst()
                .orElseThrow()).rule()).isEqualTo("must be a child index 0-1, got \"2\"");
        assertThat(types(events, good)).endsWith(Type.SUCCEEDED);
    }

    @Test
    void aCancelEndsARunCancelled() {
        String id = KafkaTestSupport.id("cancel");
        Map<String, Object> request = small(id);
        request.put("epochs", 200);
        request.put("batchSize", 100);
        request.put("trainLimit", 20000);
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(request));
        KafkaTestSupport.events(id, es -> types(es, id).contains(Type.EPOCH), WAIT);

        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENT_CONTROL), id, "{\"type\":\"cancel\",\"experimentId\":\"" + id + "\"}");

        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);
        List<Type> types = types(events, id);
        assertThat(types.get(types.size() - 1)).isEqualTo(Type.CANCELLED);
        assertThat(types.stream().filter(Type::isTerminal)).hasSize(1);
        assertThat(types.stream().filter(t -> t == Type.EPOCH).count()).isLessThan(200);
    }

    @Test
    void aSweepRunsEachValueAndEndsWithASummaryAndAPlot() {
        String id = KafkaTestSupport.id("sweep");
        Map<String, Object> request = small(id);
        request.put("architecture", "compare");
        request.put("sweep", Map.of("parameter", "k", "values", List.of(3, 5)));

        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(request));
        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);

        assertThat(types(events, id + "/k=3")).endsWith(Type.SUCCEEDED);
        assertThat(types(events, id + "/k=5")).endsWith(Type.SUCCEEDED);
        assertThat(types(events, id)).containsExactly(Type.QUEUED, Type.RUNNING, Type.SWEEP_SUMMARY, Type.SUCCEEDED);
        SweepSummary summary = first(events, SweepSummary.class);
        assertThat(summary.summary()).hasSize(2);
        assertThat(summary.summary().get(0).experimentId()).isEqualTo(id + "/k=3");
        assertThat(summary.summary().get(0).status()).isEqualTo(Type.SUCCEEDED);

        List<ConsumerRecord<String, byte[]>> reports = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.REPORTS),
                rs -> rs.stream().anyMatch(r -> r.key().equals(summary.reportKey())), WAIT);
        byte[] png = reports.stream().filter(r -> r.key().equals(summary.reportKey())).findFirst().orElseThrow().value();
        assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
    }

    @Test
    void earlyStoppingAndKeepBestPublishTheBestValidationEpochAndSaySo() {
        String id = KafkaTestSupport.id("keep-best");
        Map<String, Object> request = small(id);
        request.put("epochs", 5);
        request.put("batchSize", 100);
        request.put("trainLimit", 1500);
        request.put("validationSplit", 500);
        request.put("keepBest", "val");
        // no epoch gains half a point over the first: the run stops after 1 + patience epochs
        request.put("earlyStopping", Map.of("patience", 1, "minDelta", 0.5));

        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(request));
        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);

        List<Epoch> epochs = events.stream().filter(Epoch.class::isInstance).map(Epoch.class::cast).toList();
        assertThat(epochs).hasSize(2);
        Epoch best = epochs.get(1).metrics().valAccuracy() > epochs.get(0).metrics().valAccuracy()
                ? epochs.get(1) : epochs.get(0);
        assertThat(events.get(events.size() - 1)).isInstanceOf(Succeeded.class);
        Succeeded succeeded = (Succeeded) events.get(events.size() - 1);
        assertThat(succeeded.reason()).startsWith("early stopping: validation accuracy has not risen by more than 0.5");
        assertThat(succeeded.metrics()).as("the best validation epoch's figures").isEqualTo(best.metrics());

        ModelArtefact artefact = artefactOf(id);
        assertThat(artefact.manifest().version()).isEqualTo(succeeded.artefactVersion());
        assertThat(artefact.manifest().testAccuracy()).isEqualTo(best.metrics().testAccuracy());
        assertThat(artefact.manifest().epochs()).hasSize(2);
    }

    @Test
    void aRandomSearchStopsTrialsBelowTheMedianAndRanksTrialsByValidationAccuracy() {
        String id = KafkaTestSupport.id("random");
        Map<String, Object> request = small(id);
        request.put("epochs", 3);
        request.put("batchSize", 100);
        request.put("trainLimit", 1500);
        request.put("validationSplit", 500);
        // seed 13 draws the good rate for trials 0 and 1 and the hopeless one for 2 and 3; one trial at a
        // time, in order, so trial 2 meets 2 trials ahead of it at epoch 1 and trial 3 meets 3
        request.put("sweep", Map.of("type", "random", "trials", 4, "seed", 13,
                "space", Map.of("learningRate", Map.of("choice", List.of(0.003, 0.000001))),
                "medianStopping", Map.of("minTrials", 2, "gracePeriod", 1), "parallelTrials", 1));

        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(request));
        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> ended(es, id), WAIT);

        for (int trial = 0; trial < 4; trial++) {
            String child = id + "/trial=" + trial;
            Terminal end = events.stream().filter(e -> e.experimentId().equals(child)).filter(Terminal.class::isInstance)
                    .map(Terminal.class::cast).findFirst().orElseThrow();
            assertThat(end.type()).as(child).isEqualTo(Type.SUCCEEDED);
            long epochs = types(events, child).stream().filter(t -> t == Type.EPOCH).count();
            if (trial < 2) {
                assertThat(epochs).as(child + " ran every epoch").isEqualTo(3);
                assertThat(end.reason()).isNull();
            } else {
                assertThat(epochs).as(child + " was stopped after its first epoch").isEqualTo(1);
                assertThat(end.reason()).startsWith("median stopping: validation accuracy")
                        .contains("after epoch 1 is below the median")
                        .endsWith("of " + trial + " other trials there"); // every trial ahead of it
            }
        }
        SweepSummary summary = first(events, SweepSummary.class);
        assertThat(summary.summary()).hasSize(4);
        assertThat(summary.summary()).extracting(SweepRow::valAccuracy).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(summary.summary().subList(0, 2)).extracting(r -> r.options().get("learningRate"))
                .containsOnly(0.003);
        assertThat(summary.summary().get(2).epochsDone()).isEqualTo(1);
        SweepRow winner = summary.summary().get(0);
        assertThat(winner.testAccuracy()).as("the winner's test accuracy, once").isNotNull();
        assertThat(summary.summary().subList(1, 4)).extracting(SweepRow::testAccuracy).containsOnlyNulls();
        ExperimentEvent end = events.get(events.size() - 1);
        assertThat(end.type()).isEqualTo(Type.SUCCEEDED);
        assertThat(artefactOf(winner.experimentId()).manifest().testAccuracy()).isEqualTo(winner.testAccuracy());
        assertThat(KafkaTestSupport.read(KafkaTestSupport.topic(Topic.REPORTS),
                rs -> rs.stream().anyMatch(r -> r.key().equals(summary.reportKey())), WAIT)).isNotEmpty();
    }

    private static ModelArtefact artefactOf(String experimentId) {
        List<ConsumerRecord<String, byte[]>> models = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.MODELS),
                rs -> rs.stream().anyMatch(r -> header(r, Headers.EXPERIMENT_ID).equals(experimentId)), WAIT);
        return ArtefactCodec.decode(models.stream().filter(r -> header(r, Headers.EXPERIMENT_ID).equals(experimentId))
                .findFirst().orElseThrow().value());
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
