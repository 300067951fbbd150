package dev.fmnist.trainer.checkpoints;

import dev.fmnist.contract.checkpoints.CheckpointManifest;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Runs' checkpoints on the compacted checkpoints topic ({@code Topic.CHECKPOINTS}), every record of a
 * run on the partition of its experiment id. Writing one: its chunks ({@link CheckpointManifest#CHUNK_BYTES}
 * each) under keys of that checkpoint's own, then the manifest that makes it current, then tombstones
 * for the previous checkpoint's chunks; a writer that dies at any point leaves the previous manifest and
 * its chunks in place, whole. Reading: the partition from its beginning to its end offset (by
 * assignment, in no group), the newest manifest, then its chunks, each checked. Deleting: tombstones
 * for the manifest and every chunk the partition holds of the run.
 */
public final class CheckpointStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** Checkpoints this store last wrote or read, whose chunks its next write tombstones; bounded. */
    private static final int REMEMBERED = 64;
    /** A fetch holds a chunk and its neighbours; the consumer's default would ask for 50 MB at once. */
    private static final int FETCH_BYTES = 2 * CheckpointManifest.CHUNK_BYTES + 64 * 1024;

    private final String topic;
    private final Duration timeout;
    private final Map<String, Object> consumerSettings;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, CheckpointManifest> current = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CheckpointManifest> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * @param kafkaConfig the connection settings (bootstrap, SASL, TLS), as the channels have them
     * @param topic the checkpoints topic's name
     * @param timeout for each read, write and deletion as a whole
     */
    public CheckpointStore(Map<String, Object> kafkaConfig, String topic, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        Map<String, Object> producerSettings = KafkaClients.producer(kafkaConfig);
        producerSettings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerSettings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerSettings.putAll(KafkaClients.sendTimeouts(timeout));
        producerSettings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producerSettings.put(ProducerConfig.CLIENT_ID_CONFIG, "checkpoints-" + UUID.randomUUID().toString().substring(0, 8));
        this.producer = new KafkaProducer<>(producerSettings);
        this.consumerSettings = KafkaClients.consumer(kafkaConfig, Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, FETCH_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, FETCH_BYTES,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()));
    }

    /** What a checkpoint continues and who wrote it: everything of its manifest but the bytes' own figures. */
    public record Origin(String experimentId, String worker, int attempt, int epoch, int batchesDone,
            String fingerprint) {}

    /**
     * Writes {@code bytes} as the current checkpoint of its run: chunks, manifest, then tombstones for
     * the chunks of the checkpoint it replaces. Throws {@link IllegalStateException} (naming what) when
     * the broker does not take it; the previous checkpoint is then still current.
     */
    public CheckpointManifest write(Origin origin, byte[] bytes) {
        CheckpointManifest manifest = writeChunks(origin, bytes);
        CheckpointManifest previous;
        synchronized (current) {
            previous = current.get(origin.experimentId());
        }
        await(List.of(send(manifest.experimentId(), CheckpointManifest.manifestKey(manifest.experimentId()),
                manifest.toJson())), "the manifest of " + manifest.experimentId());
        synchronized (current) {
            current.put(origin.experimentId(), manifest);
        }
        if (previous != null && !previous.checkpointId().equals(manifest.checkpointId())) {
            try {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < previous.chunks(); i++) {
                    sent.add(send(previous.experimentId(), previous.chunkKey(i), null));
                }
                await(sent, "tombstones of checkpoint " + previous.checkpointId());
            } catch (IllegalStateException e) { // the new one is current; the old chunks wait for the run's end or retention
                LOG.warnf("experiment %s: %s", origin.experimentId(), e.getMessage());
            }
        }
        return manifest;
    }

    /** The first step of {@link #write}, alone: the chunks, under a new checkpoint id; returns the manifest not yet written. */
    CheckpointManifest writeChunks(Origin origin, byte[] bytes) {
        if (bytes.length == 0 || bytes.length > CheckpointManifest.MAX_BYTES) {
            throw new IllegalArgumentException("checkpoint of " + origin.experimentId() + ": " + bytes.length
                    + " bytes; must be 1-" + CheckpointManifest.MAX_BYTES);
        }
        String checkpointId = "a" + origin.attempt() + "-e" + origin.epoch() + "-b" + origin.batchesDone() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
        CheckpointManifest manifest = new CheckpointManifest(origin.experimentId(), checkpointId, origin.worker(),
                origin.attempt(), origin.epoch(), origin.batchesDone(), CheckpointManifest.chunksFor(bytes.length),
                bytes.length, Sha256.hex(bytes), origin.fingerprint(), Instant.now().toString());
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < manifest.chunks(); i++) {
            int from = i * CheckpointManifest.CHUNK_BYTES;
            int to = Math.min(bytes.length, from + CheckpointManifest.CHUNK_BYTES);
            sent.add(send(origin.experimentId(), manifest.chunkKey(i), Arrays.copyOfRange(bytes, from, to)));
        }
        await(sent, manifest.chunks() + " chunks of checkpoint " + checkpointId);
        return manifest;
    }

    /**
     * The run's current checkpoint: empty when it has none; a {@link CheckpointRefusedException} when
     * the one there is not whole, not this training's ({@code fingerprint}) or cannot be read.
     */
    public Optional<StoredCheckpoint> read(String experimentId, String fingerprint) throws CheckpointRefusedException {
        TopicPartition partition = partitionOf(experimentId);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerSettings)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Index index = scan(consumer, partition, experimentId, deadline);
            if (index.manifest == null) {
                return Optional.empty();
            }
            CheckpointManifest manifest;
            try {
                manifest = CheckpointManifest.parse(CheckpointManifest.manifestKey(experimentId), index.manifest);
            } catch (IllegalArgumentException e) {
                throw new CheckpointRefusedException(Refusal.MANIFEST, "its manifest at " + partition + "@"
                        + index.manifestOffset + " is refused: " + e.getMessage());
            }
            if (!manifest.fingerprint().equals(fingerprint)) {
                throw new CheckpointRefusedException(Refusal.FINGERPRINT, "checkpoint " + manifest.checkpointId()
                        + " is of another training (fingerprint " + manifest.fingerprint() + ", this run's "
                        + fingerprint + ")");
            }
            List<Long> offsets = new ArrayList<>();
            for (int i = 0; i < manifest.chunks(); i++) {
                Long offset = index.chunks.get(manifest.chunkKey(i));
                if (offset == null) {
                    throw new CheckpointRefusedException(Refusal.CHUNKS, "checkpoint " + manifest.checkpointId()
                            + ": chunk " + i + " of " + manifest.chunks() + " is not on " + partition);
                }
                offsets.add(offset);
            }
            byte[] bytes = chunks(consumer, partition, manifest, offsets, deadline);
            String sha256 = Sha256.hex(bytes);
            if (!sha256.equals(manifest.sha256())) {
                throw new CheckpointRefusedException(Refusal.SHA256, "checkpoint " + manifest.checkpointId()
                        + ": its chunks' sha256 is " + sha256 + ", its manifest says " + manifest.sha256());
            }
            synchronized (current) {
                current.put(experimentId, manifest); // this trainer's next write tombstones its chunks
            }
            return Optional.of(new StoredCheckpoint(manifest, bytes));
        } catch (RuntimeException e) {
            throw new CheckpointRefusedException(Refusal.READ, "cannot read " + partition + ": " + e);
        }
    }

    /** Tombstones for the run's manifest and every chunk of it on the topic; returns how many were written. */
    public int delete(String experimentId) {
        TopicPartition partition = partitionOf(experimentId);
        Index index;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerSettings)) {
            index = scan(consumer, partition, experimentId, System.nanoTime() + timeout.toNanos());
        } catch (CheckpointRefusedException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } finally {
            synchronized (current) {
                current.remove(experimentId);
            }
        }
        Set<String> keys = new LinkedHashSet<>(index.chunks.keySet());
        if (index.manifest != null || index.manifestSeen) {
            keys.add(CheckpointManifest.manifestKey(experimentId));
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (String key : keys) {
            sent.add(send(experimentId, key, null));
        }
        await(sent, keys.size() + " tombstones of " + experimentId + "'s checkpoints");
        return keys.size();
    }

    /** The partition of {@code experimentId}: Kafka's own partitioner over the topic's partitions now. */
    public TopicPartition partitionOf(String experimentId) {
        int partitions = producer.partitionsFor(topic).size();
        return new TopicPartition(topic, BuiltInPartitioner.partitionForKey(
                experimentId.getBytes(StandardCharsets.UTF_8), partitions));
    }

    /** What the partition holds of one run: its newest manifest's value and every live chunk key's offset. */
    private static final class Index {
        byte[] manifest;
        long manifestOffset;
        /** A manifest record that was there with a value, current or not: deletion tombstones its key. */
        boolean manifestSeen;
        final Map<String, Long> chunks = new HashMap<>();

        void apply(String experimentId, ConsumerRecord<String, byte[]> record) {
            String key = record.key();
            if (CheckpointManifest.isManifestKey(key, experimentId)) {
                manifest = record.value();
                manifestOffset = record.offset();
                manifestSeen = manifestSeen || record.value() != null;
            } else if (CheckpointManifest.isChunkKey(key, experimentId)) {
                if (record.value() == null) {
                    chunks.remove(key);
                } else {
                    chunks.put(key, record.offset());
                }
            }
        }
    }

    private Index scan(KafkaConsumer<String, byte[]> consumer, TopicPartition partition, String experimentId,
            long deadline) throws CheckpointRefusedException {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
        Index index = new Index();
        while (consumer.position(partition, timeout) < end) {
            if (System.nanoTime() > deadline) {
                throw new CheckpointRefusedException(Refusal.READ, partition + " not read to its end (" + end
                        + ") within " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (record.offset() < end) {
                    index.apply(experimentId, record);
                }
            }
        }
        return index;
    }

    /** The manifest's chunks, read at the offsets the scan found them, each checked for size. */
    private byte[] chunks(KafkaConsumer<String, byte[]> consumer, TopicPartition partition,
            CheckpointManifest manifest, List<Long> offsets, long deadline) throws CheckpointRefusedException {
        Map<Long, Integer> wanted = new HashMap<>();
        for (int i = 0; i < offsets.size(); i++) {
            wanted.put(offsets.get(i), i);
        }
        long first = offsets.stream().mapToLong(Long::longValue).min().orElseThrow();
        long last = offsets.stream().mapToLong(Long::longValue).max().orElseThrow();
        byte[] bytes = new byte[(int) manifest.totalBytes()];
        boolean[] found = new boolean[manifest.chunks()];
        consumer.seek(partition, first);
        while (consumer.position(partition, timeout) <= last) {
            if (System.nanoTime() > deadline) {
                throw new CheckpointRefusedException(Refusal.READ, "checkpoint " + manifest.checkpointId()
                        + ": its chunks not read within " + timeout.toSeconds() + " s");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                Integer i = wanted.get(record.offset());
                if (i == null || found[i]) {
                    continue;
                }
                int expected = i < manifest.chunks() - 1 ? CheckpointManifest.CHUNK_BYTES
                        : (int) (manifest.totalBytes() - (long) i * CheckpointManifest.CHUNK_BYTES);
                byte[] value = record.value();
                if (!manifest.chunkKey(i).equals(record.key()) || value == null || value.length != expected) {
                    throw new CheckpointRefusedException(Refusal.CHUNKS, "checkpoint " + manifest.checkpointId()
                            + ": chunk " + i + " at " + partition + "@" + record.offset() + " has "
                            + (value == null ? "no value" : value.length + " bytes") + ", expected " + expected);
                }
                System.arraycopy(value, 0, bytes, i * CheckpointManifest.CHUNK_BYTES, expected);
                found[i] = true;
            }
        }
        for (int i = 0; i < found.length; i++) {
            if (!found[i]) {
                throw new CheckpointRefusedException(Refusal.CHUNKS, "checkpoint " + manifest.checkpointId()
                        + ": chunk " + i + " is gone from " + partition);
            }
        }
        return bytes;
    }

    private Future<RecordMetadata> send(String experimentId, String key, byte[] value) {
        return producer.send(new ProducerRecord<>(topic, partitionOf(experimentId).partition(), key, value));
    }

    private void await(List<Future<RecordMetadata>> sent, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing " + what + " to " + topic, e);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("cannot write " + what + " to " + topic + ": " + cause, cause);
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
