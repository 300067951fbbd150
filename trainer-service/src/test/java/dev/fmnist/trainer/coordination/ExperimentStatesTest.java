package dev.fmnist.trainer.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.trainer.config.TrainerConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bean as CDI makes it, before and after its StartupEvent: the Kafka channels start earlier and
 * their consumers already wait on it and ask it.
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExperimentStatesTest {

    @Test
    void waitsAndSaysNotReadyUntilStartedAndCaughtUp() throws Exception {
        ExperimentStates states = made(TestTopics.fresh("states"));
        try {
            assertThat(states.isReady()).isFalse();
            CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> {
                try {
                    states.awaitReady();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300); // a wait that would throw (no view yet) has done so by now
            assertThat(ready).as("waits: nothing is read before the start").isNotDone();

            states.start(null);

            ready.get(30, TimeUnit.SECONDS);
            assertThat(states.isReady()).isTrue();
        } finally {
            states.stop(null);
        }
    }

    @Test
    void stopsWhenItNeverStarted() {
        ExperimentStates states = made(TestTopics.fresh("states"));

        states.stop(null);

        assertThat(states.isReady()).isFalse();
    }

    /** Injected and initialised as CDI does it. */
    private static ExperimentStates made(String prefix) {
        ExperimentStates states = new ExperimentStates();
        states.kafkaConfig = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        states.config = new TrainerConfig() {
            @Override
            public KafkaTopics kafka() {
                return () -> prefix;
            }

            @Override
            public Data data() {
                throw new UnsupportedOperationException("not the state's");
            }

            @Override
            public Trainer trainer() {
                throw new UnsupportedOperationException("not the state's");
            }
        };
        states.open();
        return states;
    }
}
