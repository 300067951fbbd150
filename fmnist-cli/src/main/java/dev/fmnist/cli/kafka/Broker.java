package dev.fmnist.cli.kafka;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.contract.kafka.CompactedTopicView;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.KafkaSecurity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The CLI's Kafka access: send one record, or read a whole topic from the beginning (to its end, or
 * on and on while a follower wants more) through the contract's {@link CompactedTopicView}. No consumer
 * group: the CLI only ever reads.
 */
public final class Broker {

    /** Artefacts are up to 20 MB; events and requests are small. */
    private static final int MAX_FETCH_BYTES = 32 * 1024 * 1024;
    /**
     * How much longer than {@code --kafka-timeout} a read or write of a broker that answered waits for
     * a partition's leader. A broker that dies leads its partitions until the controllers stop hearing
     * from it (broker.session.timeout.ms, 9 s by default) and elect others: 5-9 s on an idle 3-node
     * kafka.sh cluster, longer under load, more than the 10 s default on its own.
     */
    static final Duration LEADER_FAILOVER = Duration.ofSeconds(30);
    /** The longest --kafka-timeout: a day. */
    static final int MAX_TIMEOUT_SECONDS = 86_400;
    private static final String MISSING_TOPIC = "; create the topics with 'deploy/kafka/kafka.sh topics' (or check --topic-prefix)";

    private final KafkaOptions options;

    public Broker(KafkaOptions options) {
        this.options = options;
    }

    public KafkaOptions options() {
        return options;
    }

    /** Sends and waits for the broker's acknowledgement. */
    public RecordMetadata send(String topic, String key, byte[] value) {
        Properties p = common();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putAll(KafkaClients.sendTimeouts(timeout().plus(LEADER_FAILOVER)));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout().toMillis()); // the topic's metadata: reaching it
        boolean reached = false;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            requireTopic(producer.partitionsFor(topic), topic);
            reached = true;
            return producer.send(new ProducerRecord<>(topic, key, value)).get(timeout().plus(LEADER_FAILOVER).toMillis() + 2000,
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted while sending to " + topic, e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException | KafkaException e) {
            throw failure(e, BrokerFailure.Access.WRITE, List.of(topic), reached);
        }
    }

    /** Every record of {@code topic} now on the broker, in order per partition. */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        follow(topic, records::add, () -> true);
        return records;
    }

    /** The contract's reading of a record's key and value, such as {@code FeedbackRecord::parse}. */
    @FunctionalInterface
    public interface Parser<T> {
        /** The record as read; null to skip it; an {@link IllegalArgumentException} when it is not the contract's. */
        T parse(String key, byte[] value);
    }

    /**
     * Reads {@code topic} from the beginning to its end, each record read by {@code parser}: what it
     * reads goes to {@code handler} until that answers false; a record it refuses goes to
     * {@code refused} with the refusal and the reading goes on, since anyone who may write a topic can
     * write a record that is not the contract's.
     */
    public <T> void readToEnd(String topic, Parser<T> parser, Predicate<T> handler,
            BiConsumer<ConsumerRecord<String, byte[]>, IllegalArgumentException> refused) {
        follow(topic, record -> {
            T read;
            try {
                read = parser.parse(record.key(), record.value());
            } catch (IllegalArgumentException e) {
                refused.accept(record, e);
                return true;
            }
            return read == null || handler.test(read);
        }, () -> true);
    }

    /**
     * Reads {@code topic} from the beginning and hands each record to {@code handler} until it answers
     * false. Once the records that were there when reading began are all read, {@code caughtUp} is
     * asked once whether to stop there (true) or to keep following new ones (false).
     */
    public void follow(String topic, Predicate<ConsumerRecord<String, byte[]>> handler, BooleanSupplier caughtUp) {
        follow(List.of(topic), handler, caughtUp);
    }

    /** {@link #follow(String, Predicate, BooleanSupplier)} over several topics at once, in no order across them. */
    public void follow(List<String> topics, Predicate<ConsumerRecord<String, byte[]>> handler, BooleanSupplier caughtUp) {
        CompactedTopicView view = CompactedTopicView.builder(consumerSettings(), topics).name("fmnist-cli")
                .reachWithin(timeout()).build();
        try (view) {
            view.run(new CompactedTopicView.RecordHandler() {
                @Override
                public void handle(ConsumerRecord<String, byte[]> record) {
                    if (!handler.test(record)) {
                        view.stop();
                    }
                }

                @Override
                public void caughtUp() {
                    if (caughtUp.getAsBoolean()) {
                        view.stop();
                    }
                }
            });
        } catch (UnknownTopicOrPartitionException e) {
            throw new CliException(ExitCode.NOT_FOUND, e.getMessage() + " on " + options.bootstrapServers + MISSING_TOPIC);
        } catch (KafkaException e) {
            throw failure(e, BrokerFailure.Access.READ, topics, view.reached());
        }
    }

    private Map<String, Object> consumerSettings() {
        Map<String, Object> settings = new HashMap<>();
        common().forEach((key, value) -> settings.put((String) key, value));
        settings.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_FETCH_BYTES);
        settings.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, MAX_FETCH_BYTES);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, KafkaClients.READ_COMMITTED);
        return settings;
    }

    private Properties common() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers);
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout().plus(LEADER_FAILOVER).toMillis());
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "fmnist-cli");
        // SASL/SSL the same way as the services: KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, ...
        KafkaSecurity.fromEnvironment(System.getenv()).forEach(p::put);
        return p;
    }

    private Duration timeout() {
        // bounded: Kafka takes its timeouts as int milliseconds, and one that overflowed was refused as a
        // ConfigException that read as "cannot reach Kafka"
        if (options.timeoutSeconds < 1 || options.timeoutSeconds > MAX_TIMEOUT_SECONDS) {
            throw new CliException(ExitCode.USAGE, "--kafka-timeout: must be 1 to " + MAX_TIMEOUT_SECONDS
                    + " seconds, got " + options.timeoutSeconds);
        }
        return Duration.ofSeconds(options.timeoutSeconds);
    }

    private List<PartitionInfo> requireTopic(List<PartitionInfo> partitions, String topic) {
        if (partitions == null || partitions.isEmpty()) {
            throw new CliException(ExitCode.NOT_FOUND, "topic " + topic + " does not exist on " + options.bootstrapServers
                    + MISSING_TOPIC);
        }
        return partitions;
    }

    /** Refused (login or ACL: exit 5) or out of reach (exit 3). */
    private CliException failure(Exception e, BrokerFailure.Access access, List<String> topics, boolean reached) {
        return BrokerFailure.of(e, options.bootstrapServers, options.timeoutSeconds, access, topics, reached);
    }
}
