package dev.fmnist.contract.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings for plain Kafka clients beside a service's messaging channels: the connection settings
 * (bootstrap, SASL, TLS) taken from the channels' configuration, only those the client knows.
 */
public final class KafkaClients {

    private KafkaClients() {}

    /** A consumer that reads by assignment, commits nothing and belongs to no group. */
    public static Map<String, Object> consumer(Map<String, Object> kafkaConfig, Map<String, Object> overrides) {
        Map<String, Object> client = only(kafkaConfig, ConsumerConfig.configNames());
        client.remove(ConsumerConfig.GROUP_ID_CONFIG);
        client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        client.putAll(overrides);
        return client;
    }

    /** A producer that waits for every in-sync replica. */
    public static Map<String, Object> producer(Map<String, Object> kafkaConfig) {
        Map<String, Object> client = only(kafkaConfig, ProducerConfig.configNames());
        client.put(ProducerConfig.ACKS_CONFIG, "all");
        client.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return client;
    }

    private static Map<String, Object> only(Map<String, Object> kafkaConfig, Set<String> names) {
        Map<String, Object> client = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (names.contains(key)) {
                client.put(key, value);
            }
        });
        return client;
    }
}
