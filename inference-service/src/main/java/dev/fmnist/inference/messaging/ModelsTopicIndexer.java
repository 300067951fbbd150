package dev.fmnist.inference.messaging;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.serving.ModelRepository;
import dev.fmnist.inference.serving.PublishedVersions;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Indexes the models topic at start-up, up to the end offset it has when indexing begins, by each
 * record's key and headers ({@link ArtefactHeaders}), and hands the {@link ModelRepository} one small
 * index entry per artefact of a served model. The values still cross the network (Kafka has no
 * header-only fetch), but none is kept: the consumer fetches little at a time and its deserializer drops
 * a value whose headers say everything, without copying it. A record without those headers (written
 * before the trainer wrote them, or by someone else) is read from its value there and then and indexed
 * from its manifest; one that cannot be indexed (a tombstone, lying headers, an unreadable artefact) is
 * refused, counted and listed with its reason. A lost broker is retried from where indexing stopped.
 */
@ApplicationScoped
public class ModelsTopicIndexer {

    private static final Logger LOG = Logger.getLogger(ModelsTopicIndexer.class);
    /** Per fetch: the broker still sends one whole record batch (one artefact) when it is larger. */
    static final int FETCH_BYTES = 64 * 1024;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(2);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    ModelRepository repository;

    /** What the index reads as a value: nothing when the headers sufficed, else the bytes to read a manifest from. */
    record Value(byte[] bytes) {
        static final Value DROPPED = new Value(null);
    }

    /** Keeps a value only when the record's headers cannot stand for it. */
    static final class ValueDeserializer implements Deserializer<Value> {

        @Override
        public Value deserialize(String topic, byte[] data) {
            return data == null ? null : new Value(data);
        }

        @Override
        public Value deserialize(String topic, Headers headers, byte[] data) {
            return data == null ? null : ArtefactHeaders.complete(headers) ? Value.DROPPED : new Value(data);
        }

        @Override
        public Value deserialize(String topic, Headers headers, ByteBuffer data) {
            if (data == null) {
                return null;
            }
            if (ArtefactHeaders.complete(headers)) {
                return Value.DROPPED;
            }
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            return new Value(bytes);
        }
    }

    /** Counts of one indexing, for the log line. */
    record Summary(long endOffset, int records, int fromHeaders, int fromValues, int refused, long millis) {}

    /**
     * Indexes the topic's partition up to its end offset taken now; returns what it did, or null when
     * {@code stopping} said to stop first.
     */
    public Summary index(BooleanSupplier stopping) {
        TopicPartition partition = new TopicPartition(Topic.MODELS.name(config.kafka().topicPrefix()), 0);
        long started = System.nanoTime();
        Long end = null;
        long next = 0;
        int[] counts = new int[5]; // records, from headers, from values, refused, for models not served here
        while (!stopping.getAsBoolean()) {
            try (KafkaConsumer<String, Value> consumer = new KafkaConsumer<>(KafkaClients.consumer(kafkaConfig, Map.of(
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FETCH_BYTES,
                    ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_BYTES,
                    // a position compacted or deleted away: on from the oldest record there is
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")), new StringDeserializer(),
                    new ValueDeserializer())) {
                consumer.assign(List.of(partition));
                if (end == null) {
                    end = consumer.endOffsets(List.of(partition)).getOrDefault(partition, 0L);
                }
                consumer.seek(partition, next);
                while (next < end && !stopping.getAsBoolean()) {
                    for (ConsumerRecord<String, Value> record : consumer.poll(POLL)) {
                        if (record.offset() >= end) {
                            break;
                        }
                        counts[0]++;
                        counts[index(record)]++;
                    }
                    // past the records handled, and past what no record shows (compacted gaps, markers)
                    next = Math.min(consumer.position(partition), end);
                }
                return stopping.getAsBoolean() ? null : new Summary(end, counts[0], counts[1], counts[2], counts[3],
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            } catch (RuntimeException e) {
                if (stopping.getAsBoolean()) {
                    return null;
                }
                LOG.warnf("models topic %s: cannot index it (%s) at offset %d; retrying in %d s", partition.topic(),
                        e.getMessage(), next, RETRY.toSeconds());
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
        return null;
    }

    /** One record: 1 when indexed from its headers, 2 from its value, 3 refused; 4 when for no model served here. */
    private int index(ConsumerRecord<String, Value> record) {
        String key = record.key() == null ? "" : record.key();
        long offset = record.offset();
        if (record.value() == null) {
            return repository.unindexable(key, "a tombstone at offset " + offset + ", not an artefact") ? 3 : 4;
        }
        if (record.value() == Value.DROPPED) {
            PublishedVersions.Entry entry;
            try {
                entry = ArtefactHeaders.entry(record.headers(), offset);
            } catch (IllegalArgumentException e) {
                return repository.unindexable(key, "record at offset " + offset + ": " + e.getMessage()) ? 3 : 4;
            }
            return repository.indexed(key, entry) ? 1 : 4;
        }
        if (!repository.servesArtefactKey(key)) {
            return 4; // not worth reading
        }
        ModelManifest manifest;
        try {
            manifest = ArtefactCodec.decode(record.value().bytes()).manifest();
        } catch (ArtefactException e) {
            repository.unindexable(key, "unreadable artefact at offset " + offset + ": " + e.getMessage());
            return 3;
        }
        if (!manifest.networkSpec().label().equals(key)) {
            repository.unindexable(key, "offset " + offset + ": manifest says " + manifest.networkSpec().label()
                    + " but it was published as " + key);
            return 3;
        }
        repository.indexed(key, PublishedVersions.Entry.of(manifest, offset));
        return 2;
    }
}
