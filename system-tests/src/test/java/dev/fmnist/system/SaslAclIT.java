package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.kafka.KafkaSecurity;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The access table on a real broker with logins and an authorizer: docker-compose.sasl.yml's broker
 * ({@link SaslKafkaBroker}), TopicSetup's command line run twice with the environment compose gives its
 * {@code kafka-topics} service (topics, then the ACLs; the second run adds none), and each principal
 * using the topics as its program does: a client may queue and cancel experiments and read the events,
 * but is refused writing the state, the artefacts, the pins and the checkpoints; the trainer may write
 * the state and take requests in its group; the inference service may read the artefacts and write pins.
 */
class SaslAclIT {

    private static final Map<String, String> PASSWORDS = new HashMap<>();
    private static SaslKafkaBroker broker;
    private static String prefix;

    @BeforeAll
    static void start() throws Exception {
        for (String user : List.of("ADMIN", "TRAINER", "INFERENCE", "CLIENT", "OPERATOR")) {
            PASSWORDS.put("FMNIST_KAFKA_" + user + "_PASSWORD", UUID.randomUUID().toString());
        }
        broker = SaslKafkaBroker.start(PASSWORDS);
        prefix = "acl-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theTopicsJobGrantsTheTableAndEachPrincipalGetsExactlyItsAccess() throws Exception {
        String first = topicSetup();
        assertThat(first).contains("created ").contains("acls: added ");
        assertThat(first).doesNotContain("acls: added 0,");
        String second = topicSetup();
        assertThat(second).as("idempotent").contains("all " + Topic.values().length + " exist").contains("acls: added 0, ");

        try (KafkaProducer<String, byte[]> client = producer("fmnist-client");
                KafkaProducer<String, byte[]> trainer = producer(security(broker.environment("trainer-service")));
                KafkaProducer<String, byte[]> inference = producer(security(broker.environment("inference-service")));
                KafkaProducer<String, byte[]> operator = producer("fmnist-operator")) {
            String id = "acl-" + UUID.randomUUID();
            send(client, Topic.EXPERIMENTS, id);
            send(client, Topic.EXPERIMENT_CONTROL, id);
            for (Topic closed : List.of(Topic.EXPERIMENT_STATE, Topic.MODELS, Topic.MODEL_CONTROL, Topic.CHECKPOINTS,
                    Topic.EXPERIMENT_EVENTS)) {
                assertRefused(() -> send(client, closed, id), "client writing " + closed.suffix());
            }
            send(trainer, Topic.EXPERIMENT_STATE, id);
            send(trainer, Topic.EXPERIMENT_EVENTS, id);
            send(trainer, Topic.MODELS, id);
            send(trainer, Topic.CHECKPOINTS, id);
            assertRefused(() -> send(trainer, Topic.MODEL_CONTROL, id), "trainer writing model-control");
            // a run's end: a transaction under the experiment's holder id, the trainer's alone
            String holder = TopicAccess.holderTransactionalId(prefix, id);
            endInTransaction(security(broker.environment("trainer-service")), holder, id);
            assertThatThrownBy(() -> endInTransaction(credentials("fmnist-operator"), holder, id))
                    .as("an operator opening a holder's transaction (fencing the trainer's)")
                    .isInstanceOf(TransactionalIdAuthorizationException.class);
            send(inference, Topic.MODEL_CONTROL, id);
            assertRefused(() -> send(inference, Topic.MODELS, id), "inference writing models");
            send(operator, Topic.MODEL_CONTROL, id);
            assertRefused(() -> send(operator, Topic.EXPERIMENT_STATE, id), "operator writing experiment-state");

            assertThat(readAll(credentials("fmnist-client"), Topic.EXPERIMENT_EVENTS)).as("client reads events")
                    .contains(id);
            assertThat(readAll(credentials("fmnist-client"), Topic.EXPERIMENT_STATE)).contains(id);
            assertRefused(() -> readAll(credentials("fmnist-client"), Topic.EXPERIMENTS_DLQ), "client reading the dlq");
            assertThat(readAll(security(broker.environment("inference-service")), Topic.MODELS))
                    .as("inference reads models").contains(id);
            assertThat(readAll(security(broker.environment("trainer-service")), Topic.CHECKPOINTS)).contains(id);
            assertRefused(() -> readAll(security(broker.environment("inference-service")), Topic.CHECKPOINTS),
                    "inference reading checkpoints");

            assertThat(takeInGroup(security(broker.environment("trainer-service")), Topic.EXPERIMENTS, prefix + "-trainers"))
                    .as("the trainer takes requests in its group").contains(id);
            assertThatThrownBy(() -> takeInGroup(credentials("fmnist-client"), Topic.EXPERIMENT_EVENTS, prefix + "-trainers"))
                    .as("a client may not join the trainers' group").isInstanceOf(GroupAuthorizationException.class);
        }

        Map<String, Object> wrong = credentials("fmnist-client");
        wrong.put("sasl.jaas.config", jaas("fmnist-client", "not-the-password"));
        assertThatThrownBy(() -> readAll(wrong, Topic.EXPERIMENT_EVENTS)).isInstanceOf(SaslAuthenticationException.class);
    }

    /** TopicSetup's command line with the environment compose gives the kafka-topics service. */
    private static String topicSetup() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.fmnist.contract.kafka.TopicSetup", broker.bootstrap(),
                "--prefix", prefix));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("KAFKA_") || k.startsWith("FMNIST_"));
        builder.environment().putAll(broker.environment("kafka-topics"));
        builder.environment().put("FMNIST_KAFKA_PARTITIONS", "2"); // few partitions: a quick test
        for (TopicAccess.Role role : TopicAccess.Role.values()) {
            assertThat(builder.environment()).as("compose's kafka-topics").containsKey(role.variable());
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topic topic, String key) {
        try {
            producer.send(new ProducerRecord<>(topic.name(prefix), key, key.getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertRefused(Runnable action, String what) {
        assertThatThrownBy(action::run).as(what).isInstanceOf(TopicAuthorizationException.class);
    }

    /** Every key on {@code topic}, read by assignment (no group) as the CLI does. */
    private static List<String> readAll(Map<String, Object> security, Topic topic) {
        Map<String, Object> settings = new HashMap<>(security);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(prefix), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> keys.add(r.key()));
            }
            return keys;
        }
    }

    /** Joins {@code group} on {@code topic}, as the trainers' channel does, and commits what it read. */
    private static List<String> takeInGroup(Map<String, Object> security, Topic topic, String group) {
        Map<String, Object> settings = new HashMap<>(security);
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic.name(prefix)));
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (keys.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    keys.add(record.key());
                }
            }
            consumer.commitSync();
            return keys;
        }
    }

    private static KafkaProducer<String, byte[]> producer(String user) {
        return producer(credentials(user));
    }

    /** Opens {@code transactionalId}'s producer (fencing earlier ones) and commits one event under it. */
    private static void endInTransaction(Map<String, Object> security, String transactionalId, String id) {
        Map<String, Object> settings = new HashMap<>(security);
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(Topic.EXPERIMENT_EVENTS.name(prefix), id,
                    id.getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
        }
    }

    private static KafkaProducer<String, byte[]> producer(Map<String, Object> security) {
        Map<String, Object> settings = new HashMap<>(security);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
    }

    /** The client settings a compose service's environment gives (KafkaSecurity's mapping), on this broker. */
    private static Map<String, Object> security(Map<String, String> environment) {
        Map<String, Object> settings = new HashMap<>(KafkaSecurity.fromEnvironment(environment));
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        return settings;
    }

    /** A user compose has no service for (the CLI runs outside it): the same login, its own password. */
    private static Map<String, Object> credentials(String user) {
        Map<String, String> environment = new HashMap<>(broker.environment("trainer-service"));
        environment.put("KAFKA_SASL_JAAS_CONFIG",
                jaas(user, PASSWORDS.get("FMNIST_KAFKA_" + user.substring("fmnist-".length()).toUpperCase() + "_PASSWORD")));
        return security(environment);
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }
}
