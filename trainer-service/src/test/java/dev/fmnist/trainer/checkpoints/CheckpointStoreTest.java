package dev.fmnist.trainer.checkpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.checkpoints.CheckpointManifest;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.util.Sha256;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checkpoint store on the real broker, on the production topic settings (TestTopics): chunked
 * writes on the run's own partition, a crash between chunks and manifest, forged and corrupt records,
 * tombstones.
 */
@NeedsBroker
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CheckpointStoreTest {

    private static final String FINGERPRINT = "f".repeat(64);

    private String topic;
    private Map<String, Object> kafka;
    private CheckpointStore store;
    private String id;

    @BeforeEach
    void open() {
        topic = TestTopics.name(Topic.CHECKPOINTS);
        kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        store = new CheckpointStore(kafka, topic, Duration.ofSeconds(30));
        id = "run-" + UUID.randomUUID().toString().substring(0, 8) + "/k=3"; // a sweep child's id, '/' and '='
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] bytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private CheckpointStore.Origin origin(int epoch) {
        return new CheckpointStore.Origin(id, "trainer-a", 1, epoch, 0, FINGERPRINT);
    }

    @Test
    void aCheckpointLargerThanARecordIsWrittenInChunksOnItsRunsPartitionAndReadBackWhole() throws Exception {
        byte[] checkpoint = bytes(2 * CheckpointManifest.CHUNK_BYTES + 12_345, 1);

        CheckpointManifest written = store.write(origin(2), checkpoint);

        assertThat(written.chunks()).isEqualTo(3);
        assertThat(written.totalBytes()).isEqualTo(checkpoint.length);
        assertThat(written.sha256()).isEqualTo(Sha256.hex(checkpoint));
        StoredCheckpoint read = new CheckpointStore(kafka, topic, Duration.ofSeconds(30)).read(id, FINGERPRINT)
                .orElseThrow(); // another trainer's store: nothing remembered
        assertThat(read.bytes()).isEqualTo(checkpoint);
        assertThat(read.manifest()).isEqualTo(written);
        assertThat(read.manifest().epoch()).isEqualTo(2);

        List<ConsumerRecord<String, byte[]>> records = records(id);
        assertThat(records).extracting(ConsumerRecord::key).containsExactly(written.chunkKey(0), written.chunkKey(1),
                written.chunkKey(2), CheckpointManifest.manifestKey(id));
        assertThat(records).allSatisfy(r -> {
            assertThat(r.partition()).isEqualTo(store.partitionOf(id).partition());
            assertThat(r.value().length).isLessThanOrEqualTo(CheckpointManifest.CHUNK_BYTES + 1024);
        });
    }

    @Test
    void aRunWithoutACheckpointReadsEmpty() throws Exception {
        assertThat(store.read(id, FINGERPRINT)).isEmpty();
    }

    @Test
    void aWriterThatDiesBetweenItsChunksAndItsManifestLeavesThePreviousCheckpointCurrentAndWhole() throws Exception {
        byte[] first = bytes(CheckpointManifest.CHUNK_BYTES + 10, 2);
        CheckpointManifest previous = store.write(origin(1), first);

        CheckpointManifest unfinished = store.writeChunks(origin(2), bytes(CheckpointManifest.CHUNK_BYTES + 20, 3));

        StoredCheckpoint read = store.read(id, FINGERPRINT).orElseThrow();
        assertThat(read.manifest()).isEqualTo(previous);
        assertThat(read.bytes()).isEqualTo(first);

        byte[] third = bytes(100, 4);
        CheckpointManifest next = store.write(origin(3), third);
        assertThat(store.read(id, FINGERPRINT).orElseThrow().bytes()).isEqualTo(third);
        Map<String, byte[]> live = live(id);
        assertThat(live.keySet()).as("the replaced checkpoint's chunks tombstoned; the unfinished one's wait for the end")
                .containsExactlyInAnyOrder(CheckpointManifest.manifestKey(id), next.chunkKey(0),
                        unfinished.chunkKey(0), unfinished.chunkKey(1));

        int tombstones = store.delete(id);

        assertThat(tombstones).isEqualTo(4);
        assertThat(live(id)).isEmpty();
        assertThat(store.read(id, FINGERPRINT)).isEmpty();
    }

    @Test
    void aCorruptOrForgedCheckpointIsRefusedSayingWhy() throws Exception {
        CheckpointManifest good = store.write(origin(1), bytes(CheckpointManifest.CHUNK_BYTES + 99, 5));

        assertRefused(store, "another fingerprint", Refusal.FINGERPRINT, "e".repeat(64));

        // a chunk replaced by bytes of the same size: only the sha256 can tell
        send(good.chunkKey(1), bytes(99, 6));
        assertRefused(store, "a chunk's content", Refusal.SHA256, FINGERPRINT);

        send(good.chunkKey(1), bytes(98, 6));
        assertRefused(store, "a chunk's size", Refusal.CHUNKS, FINGERPRINT);

        send(good.chunkKey(1), null);
        assertRefused(store, "a chunk tombstoned", Refusal.CHUNKS, FINGERPRINT);

        send(CheckpointManifest.manifestKey(id), "{\"experimentId\":\"x\"}".getBytes());
        assertRefused(store, "a manifest that is none", Refusal.MANIFEST, FINGERPRINT);

        CheckpointManifest forged = new CheckpointManifest(id, "forged", "mallory", 9, 7, 0, 1, 10, "0".repeat(64),
                FINGERPRINT, Instant.now().toString());
        send(CheckpointManifest.manifestKey(id), forged.toJson());
        assertRefused(store, "a manifest whose chunks were never written", Refusal.CHUNKS, FINGERPRINT);

        send(forged.chunkKey(0), bytes(10, 7));
        assertRefused(store, "a forged chunk under the forged manifest", Refusal.SHA256, FINGERPRINT);

        assertThat(store.delete(id)).as("the manifest, the good one's chunk left and the forged chunk")
                .isEqualTo(3);
        assertThat(live(id)).isEmpty();
        assertThat(store.read(id, FINGERPRINT)).isEmpty();
    }

    private void assertRefused(CheckpointStore reader, String what, Refusal refusal, String fingerprint) {
        assertThatThrownBy(() -> reader.read(id, fingerprint)).as(what)
                .isInstanceOfSatisfying(CheckpointRefusedException.class,
                        e -> assertThat(e.refusal()).as(what + ": " + e.getMessage()).isEqualTo(refusal));
    }

    private void send(String key, byte[] value) throws Exception {
        Map<String, Object> settings = new HashMap<>(kafka);
        settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings)) {
            producer.send(new ProducerRecord<>(topic, store.partitionOf(id).partition(), key, value))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** Every record of the run on its partition, in order. */
    private List<ConsumerRecord<String, byte[]>> records(String experimentId) {
        Map<String, Object> settings = new HashMap<>(kafka);
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings)) {
            List<TopicPartition> all = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> ends = consumer.endOffsets(all);
            while (all.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (CheckpointManifest.experimentOf(r.key()).filter(experimentId::equals).isPresent()) {
                        records.add(r);
                    }
                }
            }
        }
        return records;
    }

    /** The run's keys whose last record is not a tombstone. */
    private Map<String, byte[]> live(String experimentId) {
        Map<String, byte[]> live = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records(experimentId)) {
            if (r.value() == null) {
                live.remove(r.key());
            } else {
                live.put(r.key(), r.value());
            }
        }
        return live;
    }
}
