package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * {@code fmnist models history} against the broker of {@code bin/test}, on topics of its own: an old
 * record without a decision, an operator's pin, the policy's challenge and promotion, a record for
 * another model and one no replica can read, in the order written.
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HistoryCommandTest {

    private static final String A = "5e8d0154c40a";
    private static final String B = "a9d3511a7e3f";
    private static final Instant AT = Instant.parse("2026-12-06T14:02:11.123Z");

    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void topicsOfItsOwn() throws Exception {
        prefix = TestTopics.fresh("history");
        producer = new KafkaProducer<>(KafkaClients.producer(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                TestTopics.bootstrap())), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    private void write(String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(Topic.MODEL_CONTROL.name(prefix), key, value)).get(20, TimeUnit.SECONDS);
    }

    private void writeHistory() throws Exception {
        write("better", new ModelControl("better", null, "unpinned by fmnist models unpin", AT).toJson());
        write("better", new ModelControl("better", A, "bad calibration", AT, null, null, 0, ModelDecision.PIN,
                List.of("bad calibration"), ModelControl.OPERATOR).toJson());
        write("mlp", new ModelControl("mlp", null, null, AT).toJson());
        write("better", new ModelControl("better", A, null, AT, B, ChallengerMode.SHADOW, 1.0, ModelDecision.CHALLENGE,
                List.of(B + " was published after the champion " + A, "shadow: it also scores 100% of the requests"),
                ModelControl.POLICY).toJson());
        write("better", "{\"model\":\"better\",\"pinned\":".getBytes(StandardCharsets.UTF_8));
        write("better", new ModelControl("better", B, null, AT, null, null, 0, ModelDecision.PROMOTE,
                List.of("validation accuracy 0.9312 >= champion's 0.9301", "last 200 labelled: 0.955 >= champion 0.950"),
                ModelControl.POLICY).toJson());
    }

    private CapturedRun cli(String... args) {
        return CapturedRun.of(Stream.concat(Stream.of(args), Stream.of("--bootstrap-servers", TestTopics.bootstrap(),
                "--topic-prefix", prefix)).toArray(String[]::new));
    }

    @Test
    void everyRecordOfTheModelInOrderWithWhoDecidedWhatAndWhy() throws Exception {
        writeHistory();

        CapturedRun run = cli("models", "history", "better");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.OK);
        List<String> lines = run.out().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).startsWith("TIME").contains("MODEL", "DECISION", "BY", "CHAMPION", "CHALLENGER", "REASONS");
        assertThat(lines.get(1)).startsWith("2026-12-06T14:02:11Z").contains(" unpin ", " newest ")
                .endsWith("unpinned by fmnist models unpin");
        assertThat(lines.get(2)).contains(" pin ", " operator ", A).endsWith("bad calibration");
        assertThat(lines.get(3)).contains(" challenge ", " policy ", A + "  " + B + " shadow 100%")
                .endsWith(B + " was published after the champion " + A + "; shadow: it also scores 100% of the requests");
        assertThat(lines.get(4)).contains(" unreadable ", "offset 4: ");
        assertThat(lines.get(5)).contains(" promote ", " policy ", B).endsWith("validation accuracy 0.9312 >= champion's "
                + "0.9301; last 200 labelled: 0.955 >= champion 0.950");
        assertThat(run.out()).doesNotContain("mlp");
    }

    @Test
    void jsonGivesEachRecordWithItsReasonsAndWhetherTheDecisionWasRecorded() throws Exception {
        writeHistory();

        CapturedRun run = cli("models", "history", "--output", "json");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.OK);
        JsonNode rows = Json.MAPPER.readTree(run.out());
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0).get("decision").asText()).isEqualTo("unpin");
        assertThat(rows.get(0).get("recorded").asBoolean()).isFalse();
        assertThat(rows.get(2).get("model").asText()).isEqualTo("mlp");
        JsonNode challenge = rows.get(3);
        assertThat(challenge.get("decision").asText()).isEqualTo("challenge");
        assertThat(challenge.get("recorded").asBoolean()).isTrue();
        assertThat(challenge.get("by").asText()).isEqualTo("policy");
        assertThat(challenge.get("champion").asText()).isEqualTo(A);
        assertThat(challenge.get("challenger").asText()).isEqualTo(B);
        assertThat(challenge.get("mode").asText()).isEqualTo("shadow");
        assertThat(challenge.get("share").asDouble()).isEqualTo(1.0);
        assertThat(challenge.get("reasons")).hasSize(2);
        assertThat(challenge.get("at").asText()).isEqualTo("2026-12-06T14:02:11.123Z");
        assertThat(rows.get(4).get("unreadable").asText()).isNotEmpty();
        assertThat(rows.get(4).get("offset").asLong()).isEqualTo(4);
        assertThat(rows.get(5).get("decision").asText()).isEqualTo("promote");
    }

    @Test
    void aModelWithoutDecisionsSaysSoAndAnUnknownModelIsAUsageError() throws Exception {
        writeHistory();

        CapturedRun none = cli("models", "history", "compare-k3");
        CapturedRun unknown = cli("models", "history", "resnet");

        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCode.OK);
        assertThat(none.out()).isEqualTo("no decisions on " + Topic.MODEL_CONTROL.name(prefix) + " for compare-k3\n");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).startsWith("fmnist: MODEL: ");
    }
}
