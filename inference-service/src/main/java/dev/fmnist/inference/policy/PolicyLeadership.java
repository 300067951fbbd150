package dev.fmnist.inference.policy;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicAccess;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Which replica decides: every replica with the policy on joins the consumer group
 * {@code PREFIX-policy} on the model-control topic, which has one partition, so the group's
 * coordinator assigns it to exactly one member at a time. That member leads: on each assignment it
 * reads the topic again from the beginning (the decision history, handed to {@code onRecord} after
 * {@code onElected}) and leads once it has read up to where the topic ended when it was elected.
 * Nothing is committed: the group is for the assignment alone.
 *
 * <p>Not thread-safe: one thread polls (Kafka's consumer asks for that).
 */
final class PolicyLeadership implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PolicyLeadership.class);
    /** A leader that dies without leaving is replaced after this long (the broker's minimum is 6 s). */
    private static final int SESSION_TIMEOUT_MS = 10_000;
    private static final int HEARTBEAT_MS = 3_000;
    private static final Duration CLOSE = Duration.ofSeconds(5);

    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
    private final TopicPartition partition;
    private final String member;
    private final Runnable onElected;
    private final Consumer<ConsumerRecord<String, byte[]>> onRecord;
    private boolean assigned;
    /** Where the topic ended when this member was elected: it leads once it has read that far. */
    private long endAtElection = Long.MAX_VALUE;
    private long position;

    /**
     * The consumer of a member of {@code prefix}'s policy group, named {@code member} in the logs;
     * {@code kafkaConfig} holds the connection settings (the service's), of which {@link KafkaClients}
     * keeps the consumer's.
     */
    static KafkaConsumer<String, byte[]> consumer(Map<String, Object> kafkaConfig, String prefix, String member) {
        return new KafkaConsumer<>(KafkaClients.consumer(kafkaConfig, Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group(prefix),
                ConsumerConfig.CLIENT_ID_CONFIG, "policy-" + member,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_MS)),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * A member of {@code prefix}'s policy group through {@code consumer} ({@link #consumer}'s, or a
     * test's mock, whose rebalances the test decides), which it subscribes and closes.
     */
    PolicyLeadership(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, String prefix, String member,
            Runnable onElected, Consumer<ConsumerRecord<String, byte[]>> onRecord) {
        this.partition = new TopicPartition(Topic.MODEL_CONTROL.name(prefix), 0);
        this.member = member;
        this.onElected = onElected;
        this.onRecord = onRecord;
        this.consumer = consumer;
        consumer.subscribe(List.of(partition.topic()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (partitions.contains(partition)) {
                    elected();
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (partitions.contains(partition)) {
                    deposed("another replica was elected");
                }
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                if (partitions.contains(partition)) {
                    deposed("this replica left the group (missed heartbeats)");
                }
            }
        });
    }

    /** The group of {@code prefix}'s policy: {@code PREFIX-policy}, the contract's (its ACL grants it). */
    static String group(String prefix) {
        return TopicAccess.policyGroup(prefix);
    }

    private void elected() {
        consumer.seekToBeginning(List.of(partition));
        endAtElection = consumer.endOffsets(List.of(partition)).getOrDefault(partition, 0L);
        position = 0;
        assigned = true;
        onElected.run();
        LOG.infof("policy: %s elected (group member holding %s); reading its %d records before deciding", member,
                partition, endAtElection);
    }

    private void deposed(String why) {
        if (assigned) {
            LOG.infof("policy: %s no longer decides: %s", member, why);
        }
        assigned = false;
        endAtElection = Long.MAX_VALUE;
    }

    /**
     * Polls once, at most {@code timeout}, handing the records read to {@code onRecord}; then says
     * whether this member leads now.
     */
    boolean poll(Duration timeout) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(timeout)) {
            position = record.offset() + 1;
            onRecord.accept(record);
        }
        if (assigned) {
            position = Math.max(position, consumer.position(partition, timeout));
        }
        return leads();
    }

    /**
     * Whether this member still leads, asked right before a write: a poll that does not wait hands over
     * what the group said since (a rebalance, a lost session) and the records that came meanwhile.
     */
    boolean confirm() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ZERO)) {
            position = record.offset() + 1;
            onRecord.accept(record);
        }
        return leads();
    }

    /** Whether this member holds the partition and has read the history up to where it stood at the election. */
    boolean leads() {
        return assigned && position >= endAtElection;
    }

    /** The offset of the next record to read: every record before it has been handed over. */
    long position() {
        return position;
    }

    /** Leaves the group at once, so another replica is elected without waiting for a session to expire. */
    @Override
    public void close() {
        consumer.close(CloseOptions.timeout(CLOSE));
    }
}
