package dev.fmnist.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged trainer, killed mid-run and started again: the request was never acked, so the new
 * process trains it again, and the experiment still ends exactly once in the event stream.
 */
@NeedsBroker
class TrainerRestartIT {

    private static final Duration WAIT = Duration.ofMinutes(3);

    @Test
    void aTrainerKilledMidRunFinishesTheRunAfterRestartWithOneTerminalEvent() throws Exception {
        String run = KafkaTestSupport.id("restart");
        String prefix = TestTopics.prefix(); // topics and group of its own: no other trainer takes it
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("experimentId", run);
        request.put("architecture", "mlp");
        request.put("epochs", 15);
        request.put("batchSize", 100);
        request.put("trainLimit", 20000);

        Process first = TrainerProcess.start(prefix, "first");
        try (KafkaTestSupport kafka = new KafkaTestSupport()) {
            kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), run, KafkaTestSupport.json(request));
            KafkaTestSupport.events(run, es -> es.stream().anyMatch(e -> e.type() == Type.EPOCH), WAIT);
        } finally {
            first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no ack, no commit
        }

        Process second = TrainerProcess.start(prefix, "second");
        try {
            List<ExperimentEvent> events = KafkaTestSupport.events(run,
                    es -> es.stream().anyMatch(e -> e.type().isTerminal()), WAIT);
            List<Type> types = events.stream().map(ExperimentEvent::type).toList();
            assertThat(types.stream().filter(Type::isTerminal)).containsExactly(Type.SUCCEEDED);
            assertThat(types.stream().filter(t -> t == Type.RUNNING)).hasSize(2);
            assertThat(events.stream().filter(Running.class::isInstance).map(e -> ((Running) e).worker()))
                    .containsExactly("first", "second");
        } finally {
            second.destroy();
            second.waitFor();
        }
    }
}
