package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.data.FashionMnistFile;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.TopicLayout;
import dev.fmnist.contract.kafka.TopicSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Kafka beyond one broker: a 3-node cluster from {@code kafka.sh} (replication 3, min in-sync 2), two
 * trainers and the inference service on it, a fanned-out sweep, and one broker killed in the middle of
 * it. Every experiment still ends exactly once, every artefact is published once, and the inference
 * service keeps serving and follows the newest model.
 */
class KafkaClusterIT {

    /** The test images, where the product finds them ($FMNIST_DATA_DIR, ./data/fashion-mnist, Debian's). */
    private static final Path TEST_IMAGES = IdxFixtures.realFile(FashionMnistFile.TEST_IMAGES);
    private static final long WAIT_MS = 300_000;
    private static final List<String> RATES = List.of("0.01", "0.02", "0.03", "0.04", "0.05", "0.06");

    @Test
    void aSweepEndsOnceWithABrokerKilledMidwayAndServingFollowsTheNewestModel() throws Exception {
        try (LocalKafkaCluster cluster = LocalKafkaCluster.start()) {
            String prefix = "cluster-" + UUID.randomUUID().toString().substring(0, 8);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
                TopicSetup.create(admin, prefix, new TopicLayout(TopicLayout.DEFAULT_PARTITIONS, (short) 3, 2));
            }
            try (TestStack stack = new TestStack(cluster.bootstrap(), prefix)) {
                stack.startTrainer("cluster-t1", TestStack.freePort());
                stack.startTrainer("cluster-t2", TestStack.freePort());
                stack.startInference(List.of());
                stack.awaitHttp(stack.inferenceHttp, "/q/health/live", 200);

                String sweep = "cluster-sweep-" + UUID.randomUUID().toString().substring(0, 8);
                CapturedRun submit = CliRun.with(stack.kafkaOnly(), "submit", "--id", sweep, "-a", "mlp", "--epochs", "2",
                        "--batch-size", "100", "--train-limit", "3000", "--sweep", "learningRate=" + String.join(",", RATES));
                assertThat(submit.exitCode()).as(submit.toString()).isZero();

                awaitOneChildEnded(stack, sweep);
                cluster.kill(2); // a broker dies with the sweep half done: writes go on with 2 of 3 in sync

                CapturedRun watch = CliRun.with(stack.kafkaOnly(), "watch", sweep, "--progress", "never");
                assertThat(watch.exitCode()).as(watch.toString()).isZero();

                Broker broker = stack.broker();
                List<ExperimentEvent> events = broker.readAll(broker.options().events()).stream()
                        .map(r -> ExperimentEvent.parse(r.value())).toList();
                List<String> children = RATES.stream().map(r -> sweep + "/learningRate=" + r).toList();
                List<String> all = new ArrayList<>(children);
                all.add(sweep);
                for (String id : all) {
                    assertThat(events.stream().filter(e -> e.experimentId().equals(id) && e.type().isTerminal())
                            .map(ExperimentEvent::type)).as("the end of %s", id).containsExactly(Type.SUCCEEDED);
                }
                assertThat(events.stream().filter(e -> e.type() == Type.SWEEP_SUMMARY)).hasSize(1);

                List<ConsumerRecord<String, byte[]>> models = broker.readAll(broker.options().models());
                Map<String, Long> artefacts = models.stream().map(r -> text(r.headers().lastHeader(Headers.EXPERIMENT_ID)))
                        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                assertThat(artefacts).as("one artefact per child").hasSize(children.size())
                        .allSatisfy((id, count) -> assertThat(count).isEqualTo(1L));

                String newest = text(models.get(models.size() - 1).headers().lastHeader(Headers.EXPERIMENT_ID));
                assertThat(awaitLive(stack)).as("the inference service follows the newest model").isEqualTo(newest);
                CapturedRun classify = CliRun.with(stack.grpcOnly(), "classify", TEST_IMAGES.toString(), "--limit", "20");
                assertThat(classify.exitCode()).as(classify.toString()).isZero();
            }
        }
    }

    private static void awaitOneChildEnded(TestStack stack, String sweep) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            JsonNode rows = Json.MAPPER.readTree(CliRun.with(stack.kafkaOnly(), "list", "-o", "json", "--limit", "0").out());
            for (JsonNode row : rows) {
                if (sweep.equals(row.path("parentId").asText()) && "SUCCEEDED".equals(row.path("status").asText())) {
                    return;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no child of " + sweep + " ended within " + WAIT_MS + " ms");
    }

    /** The experiment whose artefact the inference service serves, once it serves the newest one. */
    private static String awaitLive(TestStack stack) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        String live = null;
        while (System.currentTimeMillis() < deadline) {
            JsonNode models = Json.MAPPER.readTree(CliRun.with(stack.connection(), "models", "-o", "json").out());
            JsonNode last = models.get(models.size() - 1);
            if (last != null && last.path("live").asBoolean(false)) {
                return last.get("experimentId").asText();
            }
            for (JsonNode model : models) {
                live = model.path("live").asBoolean(false) ? model.get("experimentId").asText() : live;
            }
            Thread.sleep(500);
        }
        return live;
    }

    private static String text(Header header) {
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
