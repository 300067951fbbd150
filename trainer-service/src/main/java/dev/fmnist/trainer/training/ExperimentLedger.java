package dev.fmnist.trainer.training;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.trainer.config.TrainerConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Which experiments have ended, and how: rebuilt at start-up by reading {@code fmnist.experiment-events}
 * from the beginning, then kept current as this trainer publishes. A request whose experiment already
 * ended is not trained again, which makes redelivery after a crash (at-least-once) safe.
 */
@ApplicationScoped
public class ExperimentLedger {

    private static final Logger LOG = Logger.getLogger(ExperimentLedger.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, ExperimentEvent> ended = new ConcurrentHashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    TrainerConfig config;

    private String eventsTopic;

    void rebuild(@Observes StartupEvent start) {
        eventsTopic = Topic.EXPERIMENT_EVENTS.name(config.kafka().topicPrefix());
        Thread reader = new Thread(this::readAll, "experiment-ledger");
        reader.setDaemon(true);
        reader.start();
    }

    private void readAll() {
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        while (true) {
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
                List<TopicPartition> partitions = consumer.partitionsFor(eventsTopic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                long events = 0;
                while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                    for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                        events++;
                        parse(record.value()).filter(e -> e.type().isTerminal()).ifPresent(this::recordEnd);
                    }
                }
                LOG.infof("experiment ledger: %d events read, %d experiments already ended", events, ended.size());
                ready.countDown();
                return;
            } catch (RuntimeException e) {
                LOG.warnf("experiment ledger: cannot read %s yet (%s); retrying", eventsTopic, e.getMessage());
                sleep();
            }
        }
    }

    private static Optional<ExperimentEvent> parse(String json) {
        try {
            return Optional.of(ExperimentEvent.parse(json.getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not ours to judge: another writer's record
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks until the history is read; training must not start before, or a finished run would repeat. */
    public void awaitReady() throws InterruptedException {
        while (!ready.await(30, TimeUnit.SECONDS)) {
            LOG.info("waiting for the experiment ledger to be rebuilt");
        }
    }

    public boolean isReady() {
        return ready.getCount() == 0;
    }

    public void recordEnd(ExperimentEvent terminal) {
        ended.putIfAbsent(terminal.experimentId(), terminal);
    }

    /** The terminal event of an experiment that ended, if it did. */
    public Optional<ExperimentEvent> endOf(String experimentId) {
        return Optional.ofNullable(ended.get(experimentId));
    }
}
