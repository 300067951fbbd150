package dev.fmnist.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.inference.serving.TestReplica;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bean as CDI makes it, before and after its StartupEvent: the models-topic channel starts
 * earlier and its follower already waits on it. The topic is a fresh, empty one, so no record
 * reaches the repository (not set here).
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ModelControlTopicTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void waitsUntilStartedAndCaughtUp() throws Exception {
        ModelControlTopic control = made(TestTopics.fresh("control"));
        try {
            assertThat(control.awaitCaughtUp(Duration.ofMillis(300))).as("nothing is read before the start").isFalse();
            CompletableFuture<Boolean> caughtUp = CompletableFuture.supplyAsync(() -> {
                try {
                    return control.awaitCaughtUp(WAIT);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });

            control.start(null);

            assertThat(caughtUp.get(WAIT.toSeconds() + 5, TimeUnit.SECONDS)).isTrue();
        } finally {
            control.stop(null);
        }
    }

    @Test
    void stopsWhenItNeverStarted() throws Exception {
        ModelControlTopic control = made(TestTopics.fresh("control"));

        control.stop(null);

        assertThat(control.awaitCaughtUp(Duration.ofMillis(100))).isFalse();
    }

    /** Injected and initialised as CDI does it. */
    private static ModelControlTopic made(String prefix) {
        ModelControlTopic control = new ModelControlTopic();
        control.kafkaConfig = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        // the service's settings with their defaults (any group added later included), on this prefix
        control.config = TestReplica.config(List.of("mlp"), 0, prefix);
        control.open();
        return control;
    }
}
