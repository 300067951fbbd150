package dev.fmnist.inference;

import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Records of one of the tests' topics read back with a real consumer, by key. */
final class TestRecords {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private TestRecords() {}

    /**
     * Every record under {@code keys} on {@code topic} (this JVM's prefix), parsed by {@code parse}, once
     * each key has at least {@code perKey} of them; fails after 30 s naming the keys still missing.
     */
    static <T> Map<String, List<T>> read(Topic topic, Set<String> keys, int perKey,
            BiFunction<String, byte[], T> parse) {
        return read(TestTopics.name(topic), keys, perKey, parse, WAIT);
    }

    /** As {@link #read(Topic, Set, int, BiFunction)}, from the topic named {@code topic}, waiting {@code wait}. */
    static <T> Map<String, List<T>> read(String topic, Set<String> keys, int perKey, BiFunction<String, byte[], T> parse,
            Duration wait) {
        Map<String, Object> settings = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, List<T>> found = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + wait.toNanos();
            while (!complete(found, keys, perKey) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (keys.contains(record.key())) {
                        found.computeIfAbsent(record.key(), k -> new ArrayList<>())
                                .add(parse.apply(record.key(), record.value()));
                    }
                }
            }
        }
        return found;
    }

    private static boolean complete(Map<String, ? extends List<?>> found, Set<String> keys, int perKey) {
        return keys.stream().allMatch(k -> found.containsKey(k) && found.get(k).size() >= perKey);
    }
}
