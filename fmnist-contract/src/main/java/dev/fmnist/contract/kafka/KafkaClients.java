package dev.fmnist.contract.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;

/**
 * Settings for plain Kafka clients beside a service's messaging channels: the connection settings
 * (bootstrap, SASL, TLS) taken from the channels' configuration, only those the client knows.
 */
public final class KafkaClients {

    /** A produce request gets at most this share of the send's whole time... */
    private static final int REQUESTS_PER_SEND = 3;
    /** ...and at most the client's default request timeout. */
    private static final long MAX_REQUEST_MILLIS = 30_000;

    /** The isolation level of every reader of the topics a trainer writes in transactions. */
    public static final String READ_COMMITTED = IsolationLevel.READ_COMMITTED.toString();
    /** The isolation level of a probe of a log's true end, open transactions included. */
    public static final String READ_UNCOMMITTED = IsolationLevel.READ_UNCOMMITTED.toString();

    private KafkaClients() {}

    /**
     * A producer's timeouts for sends bounded by {@code send} as a whole: delivery (the batch's life,
     * retries included) and blocking for metadata or buffer space each {@code send}; one produce
     * request at most a third of it (and at most 30 s). A request as long as the delivery timeout
     * cannot be retried: one that stalls expires its batch, where a shorter one is sent again (the
     * producers here are idempotent, so the record is written once). The broker also waits at most a
     * request's timeout for the in-sync replicas, so a slow replica set now costs a retry, not the send.
     */
    public static Map<String, Object> sendTimeouts(Duration send) {
        long millis = send.toMillis();
        if (millis < REQUESTS_PER_SEND || millis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a Kafka send's timeout must be " + REQUESTS_PER_SEND + " ms to "
                    + Integer.MAX_VALUE + " ms, got " + send);
        }
        return Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) millis,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, millis,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(millis / REQUESTS_PER_SEND, MAX_REQUEST_MILLIS));
    }

    /**
     * A consumer that reads by assignment, commits nothing and belongs to no group, and reads committed
     * records only: a trainer publishes an experiment's end (artefact, event, state) in one transaction,
     * and one fenced off (its holder lost the run while paused) is aborted, never to be read.
     */
    public static Map<String, Object> consumer(Map<String, Object> kafkaConfig, Map<String, Object> overrides) {
        Map<String, Object> client = only(kafkaConfig, ConsumerConfig.configNames());
        client.remove(ConsumerConfig.GROUP_ID_CONFIG);
        client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        client.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
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
