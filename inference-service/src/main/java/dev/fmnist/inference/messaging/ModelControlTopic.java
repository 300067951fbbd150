package dev.fmnist.inference.messaging;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.serving.ModelRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The model-control topic: read from the beginning at start-up (before any artefact is considered,
 * so a restarted replica comes back pinned), then followed; every record for a model served here is
 * applied to the {@link ModelRepository}. Also the writer the repository's load/unload use, which
 * waits until this replica has applied what it wrote.
 */
@ApplicationScoped
public class ModelControlTopic {

    private static final Logger LOG = Logger.getLogger(ModelControlTopic.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration SEND = Duration.ofSeconds(15);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    ModelRepository repository;

    @Inject
    ServingMetrics metrics;

    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Object appliedLock = new Object();
    private long applied = -1;
    private TopicPartition partition;
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stopping;

    void start(@Observes StartupEvent start) {
        partition = new TopicPartition(Topic.MODEL_CONTROL.name(config.kafka().topicPrefix()), 0);
        producer = new KafkaProducer<>(KafkaClients.producer(kafkaConfig), new StringSerializer(),
                new ByteArraySerializer());
        consumer = new KafkaConsumer<>(KafkaClients.consumer(kafkaConfig, Map.of()), new StringDeserializer(),
                new ByteArrayDeserializer());
        Thread reader = new Thread(this::follow, "model-control");
        reader.setDaemon(true);
        reader.start();
    }

    void stop(@Observes ShutdownEvent stop) {
        stopping = true;
        if (consumer != null) {
            consumer.wakeup();
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Waits until the records on the topic at start-up are applied; false when {@code timeout} passed first. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Writes {@code control} for every replica and returns its offset. */
    public long write(ModelControl control) {
        try {
            return producer.send(new ProducerRecord<>(partition.topic(), control.model(), control.toJson()))
                    .get(SEND.toSeconds(), TimeUnit.SECONDS).offset();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write to " + partition.topic() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing to " + partition.topic(), e);
        }
    }

    /** Waits until this replica has applied the record at {@code offset}; false when {@code timeout} passed first. */
    public boolean awaitApplied(long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (appliedLock) {
            while (applied < offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(appliedLock, left);
            }
            return true;
        }
    }

    private void follow() {
        while (!stopping) {
            try {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                long end = consumer.endOffsets(List.of(partition)).get(partition);
                if (consumer.position(partition) >= end) {
                    caughtUp.countDown();
                }
                while (!stopping) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                        apply(record);
                        markApplied(record.offset());
                    }
                    if (consumer.position(partition) >= end) {
                        caughtUp.countDown();
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) { // the broker gone, the topic missing: read it again from the start
                if (stopping) {
                    return;
                }
                LOG.warnf("model control: cannot read %s (%s); retrying", partition.topic(), e.getMessage());
                sleep(Duration.ofSeconds(2));
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (repository.find(record.key() == null ? "" : record.key()).isEmpty()) {
            return; // a model another replica set serves
        }
        ModelControl control;
        try {
            control = ModelControl.parse(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            metrics.controlRejected();
            LOG.warnf("model control: record at offset %d under '%s' ignored: %s", record.offset(), record.key(),
                    e.getMessage());
            return;
        }
        LOG.infof("model control: %s %s%s", control.model(), control.pinnedVersion().map(v -> "pinned to " + v)
                .orElse("follows the newest artefact"), control.reason() == null ? "" : " (" + control.reason() + ")");
        repository.apply(control);
    }

    private void markApplied(long offset) {
        synchronized (appliedLock) {
            applied = Math.max(applied, offset);
            appliedLock.notifyAll();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
