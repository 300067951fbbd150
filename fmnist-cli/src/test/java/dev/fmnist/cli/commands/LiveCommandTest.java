package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code fmnist models live} against the broker of {@code bin/test}, on topics of its own: the statistics of a
 * pinned champion and its shadow challenger as the live-accuracy processor writes them, their roles from the
 * model-control topic, the champion's drift from its artefact's test-set predictions, and garbage skipped.
 */
@NeedsBroker
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LiveCommandTest {

    private static final byte[] PARAMETERS = {4, 2, 4, 2};
    /** The test set's predicted classes: as many of each. */
    private static final int[] UNIFORM = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
    private static final String CHALLENGER = "bbbbbbbbbbb2";

    private String prefix;
    private KafkaProducer<String, byte[]> producer;
    private ModelManifest champion;

    @BeforeEach
    void topicsOfItsOwn() {
        prefix = TestTopics.fresh("live");
        producer = new KafkaProducer<>(KafkaClients.producer(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                TestTopics.bootstrap())), new StringSerializer(), new ByteArraySerializer());
        champion = ModelManifest.of(NetworkSpec.of(Architecture.MLP), "mlp-live-1", HyperParameters.builder().build(), 500,
                List.of(), 0.85, 1234, "cpu", "0.33.0", "2.5.1", "2026-12-06T00:00:00Z", Sha256.hex(PARAMETERS), UNIFORM);
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    private void write(Topic topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(prefix), key, value)).get();
    }

    private static PredictionRecord answer(String id, String version, PredictionRole role, int predicted,
            String servedVersion, Integer servedClass) {
        float[] probabilities = new float[10];
        probabilities[predicted] = 1f;
        return new PredictionRecord(id, id, 0, "mlp", version, role, predicted, probabilities, "classify",
                RequestSource.RAW, 300, Instant.now(), servedVersion, servedClass, null);
    }

    private CapturedRun cli(String... args) {
        return CapturedRun.of(Stream.concat(Stream.of(args), Stream.of("--bootstrap-servers", TestTopics.bootstrap(),
                "--topic-prefix", prefix)).toArray(String[]::new));
    }

    @Test
    void showsEachVersionsLiveAccuracyRoleAgreementAndDrift() throws Exception {
        String v1 = champion.version();
        LiveStats served = LiveStats.empty("mlp", v1);
        LiveStats shadow = LiveStats.empty("mlp", CHALLENGER);
        int[] labels = {3, 3, 3, 5};
        int[] challengerSays = {3, 3, 3, 5};
        for (int i = 0; i < labels.length; i++) {
            String id = PredictionIds.newRequestId();
            PredictionRecord answered = answer(id, v1, PredictionRole.SERVED, 3, null, null);
            PredictionRecord shadowed = answer(id, CHALLENGER, PredictionRole.SHADOW, challengerSays[i], v1, 3);
            FeedbackRecord label = new FeedbackRecord(id, labels[i], FeedbackRecord.CLIENT, null, Instant.now());
            served = served.withPrediction(answered).withOutcome(answered, label);
            shadow = shadow.withPrediction(shadowed).withOutcome(shadowed, label);
        }
        write(Topic.MODELS, "mlp", ArtefactCodec.encode(ModelArtefact.of(champion, PARAMETERS)));
        write(Topic.LIVE_ACCURACY, served.key(), served.toJson());
        write(Topic.LIVE_ACCURACY, shadow.key(), shadow.toJson());
        write(Topic.LIVE_ACCURACY, "mlp/ccccccccccc3", "not stats".getBytes(StandardCharsets.UTF_8));
        LiveStats other = LiveStats.empty("better", "ddddddddddd4");
        write(Topic.LIVE_ACCURACY, other.key(), other.toJson());
        write(Topic.MODEL_CONTROL, "mlp", ModelControl.decided("mlp", v1, CHALLENGER, ChallengerMode.SHADOW, 1.0,
                ModelDecision.CHALLENGE, List.of("a newer artefact"), "operator").toJson());

        CapturedRun table = cli("models", "live", "--model", "mlp", "--window", "2");
        assertThat(table.exitCode()).as(table.toString()).isZero();
        assertThat(table.out()).contains("LAST 2", "champion (pinned)", "challenger (shadow 100%)", "0.7500",
                "0.7500 vs " + v1, "0.900").doesNotContain("better");
        assertThat(table.err()).contains("offset 2 of " + Topic.LIVE_ACCURACY.name(prefix) + " skipped");

        CapturedRun json = cli("models", "live", "-o", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        Map<String, JsonNode> rows = new HashMap<>();
        Json.MAPPER.readTree(json.out()).forEach(row -> rows.put(row.path("version").asText(), row));
        assertThat(rows).containsOnlyKeys(v1, CHALLENGER, "ddddddddddd4");
        JsonNode first = rows.get(v1);
        assertThat(first.path("role").asText()).isEqualTo("champion (pinned)");
        assertThat(first.path("predictions").asLong()).isEqualTo(4);
        assertThat(first.path("labelled").asLong()).isEqualTo(4);
        assertThat(first.path("accuracy").asDouble()).isEqualTo(0.75);
        assertThat(first.path("recentAccuracy").asDouble()).as("the last 200, so all 4").isEqualTo(0.75);
        // every answer was class 3, where the test set spreads them evenly: 0.9 of the mass moved
        assertThat(first.path("drift").asDouble()).isCloseTo(0.9, within(1e-12));
        assertThat(first.path("confusion").path(5).path(3).asLong()).isEqualTo(1);
        JsonNode second = rows.get(CHALLENGER);
        assertThat(second.path("shadowPredictions").asLong()).isEqualTo(4);
        assertThat(second.path("accuracy").asDouble()).isEqualTo(1.0);
        assertThat(second.path("agreement").asDouble()).isEqualTo(0.75);
        assertThat(second.path("comparedWith").asText()).isEqualTo(v1);
        assertThat(second.path("drift").isNumber()).as("no artefact of it on the models topic").isFalse();
        assertThat(rows.get("ddddddddddd4").path("accuracy").isNumber()).as("nothing labelled").isFalse();

        // an operator's pin may name the experiment that published the version
        write(Topic.MODEL_CONTROL, "mlp", ModelControl.pin("mlp", "mlp-live-1", "by its experiment").toJson());
        CapturedRun byExperiment = cli("models", "live", "--model", "mlp", "-o", "json");
        assertThat(byExperiment.exitCode()).as(byExperiment.toString()).isZero();
        Map<String, String> roles = new HashMap<>();
        Json.MAPPER.readTree(byExperiment.out()).forEach(row -> roles.put(row.path("version").asText(),
                row.path("role").asText()));
        assertThat(roles).containsEntry(v1, "champion (pinned)").containsEntry(CHALLENGER, "");
    }

    @Test
    void aWindowOutsideTheRecentOutcomesKeptIsAUsageError() {
        CapturedRun run = cli("models", "live", "--window", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("--window: must be 1 to " + LiveStats.RECENT_MAX);
    }
}
