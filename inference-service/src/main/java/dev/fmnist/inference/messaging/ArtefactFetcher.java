package dev.fmnist.inference.messaging;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.inference.config.InferenceConfig;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one artefact again from the models topic by its offset: how a pin or a rollback gets a
 * version that is no longer live without this replica keeping every artefact's bytes in memory.
 */
@ApplicationScoped
public class ArtefactFetcher {

    static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final int MAX_ARTEFACT_BYTES = 33554432;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    /**
     * The record's value at {@code offset}; an IllegalStateException when it is gone (compacted, a
     * tombstone), an {@link ArtefactUnreachableException} when the topic could not be read in time.
     */
    public byte[] fetch(long offset) {
        TopicPartition partition = new TopicPartition(Topic.MODELS.name(config.kafka().topicPrefix()), 0);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(kafkaConfig,
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_ARTEFACT_BYTES,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, MAX_ARTEFACT_BYTES, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1)),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seek(partition, offset);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.offset() == offset) {
                        if (record.value() == null) {
                            throw new IllegalStateException("offset " + offset + " is a tombstone");
                        }
                        return record.value();
                    }
                    throw new IllegalStateException("offset " + offset + " was compacted away (next is " + record.offset()
                            + ")");
                }
            }
            throw new ArtefactUnreachableException("offset " + offset + " not read within " + DEADLINE.toSeconds()
                    + " s");
        }
    }
}
