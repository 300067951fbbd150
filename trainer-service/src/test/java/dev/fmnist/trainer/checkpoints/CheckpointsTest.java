package dev.fmnist.trainer.checkpoints;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.engine.training.TrainingCheckpoint;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the runner gets from the checkpoints topic: nothing for a run without one, and nothing, counted
 * by reason, for one that is not this request's training or not a checkpoint at all; never an exception.
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CheckpointsTest {

    private final List<Refusal> refused = new CopyOnWriteArrayList<>();
    private Checkpoints checkpoints;
    private CheckpointStore writer;
    private ExperimentRequest request;

    @BeforeEach
    void open() {
        String prefix = TestTopics.prefix();
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        checkpoints = new Checkpoints();
        checkpoints.kafkaConfig = kafka;
        checkpoints.config = new TrainerConfig() {
            @Override
            public KafkaTopics kafka() {
                return () -> prefix;
            }

            @Override
            public Data data() {
                throw new UnsupportedOperationException("not the checkpoints'");
            }

            @Override
            public Trainer trainer() {
                throw new UnsupportedOperationException("not the checkpoints'");
            }
        };
        checkpoints.metrics = new TrainerMetrics() {
            @Override
            public void checkpointRefused(Refusal reason) {
                refused.add(reason);
            }
        };
        checkpoints.open();
        writer = new CheckpointStore(kafka, Topic.CHECKPOINTS.name(prefix), Duration.ofSeconds(30));
        String id = "checkpoints-" + UUID.randomUUID().toString().substring(0, 8);
        request = new RequestParser(() -> id).parse(("{\"architecture\":\"mlp\",\"epochs\":3,\"seed\":7}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @AfterEach
    void close() {
        writer.close();
        checkpoints.close();
    }

    private CheckpointStore.Origin origin(String fingerprint) {
        return new CheckpointStore.Origin(request.experimentId(), "trainer-a", 1, 1, 0, fingerprint);
    }

    @Test
    void aRunWithoutACheckpointStartsFromTheBeginningAndNothingIsCounted() {
        assertThat(checkpoints.resumable(request)).isEmpty();
        assertThat(refused).isEmpty();
    }

    @Test
    void bytesThatAreNoCheckpointAreRefusedByTheEnginesChecksAndCounted() {
        String fingerprint = TrainingCheckpoint.fingerprint(request.network(), request.hyperParameters());
        writer.write(origin(fingerprint), "FMNISTCK but nothing after it".getBytes(StandardCharsets.UTF_8));

        assertThat(checkpoints.resumable(request)).isEmpty();

        assertThat(refused).containsExactly(Refusal.CHECKPOINT);
    }

    @Test
    void aCheckpointOfAnotherRecipeIsRefusedByItsFingerprintAndCounted() {
        writer.write(origin("0".repeat(64)), new byte[] {1, 2, 3});

        assertThat(checkpoints.resumable(request)).isEmpty();

        assertThat(refused).containsExactly(Refusal.FINGERPRINT);
    }

    @Test
    void deletingLeavesNothingToResume() {
        String fingerprint = TrainingCheckpoint.fingerprint(request.network(), request.hyperParameters());
        writer.write(origin(fingerprint), new byte[] {1, 2, 3});

        checkpoints.delete(request.experimentId());

        assertThat(checkpoints.resumable(request)).isEmpty();
        assertThat(refused).as("a deleted checkpoint is no refused one").isEmpty();
    }
}
