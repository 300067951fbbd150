package dev.fmnist.contract.kafka;

import java.util.Map;

/**
 * How wide and how safe the topics are: the one place partitions, replication and
 * {@code min.insync.replicas} are set. {@code deploy/kafka/kafka.sh topics}, docker-compose and the
 * Kubernetes job all run {@link TopicSetup}, which reads them from the environment.
 *
 * @param partitions partitions of the topics trainers share (requests, events, state): the most trainers
 *     that can work at once
 * @param replicationFactor copies of every partition (3 on a 3-broker cluster)
 * @param minInsyncReplicas copies that must have a write before it is acknowledged ({@code acks=all})
 */
public record TopicLayout(int partitions, short replicationFactor, int minInsyncReplicas) {

    public static final String PARTITIONS_VARIABLE = "FMNIST_KAFKA_PARTITIONS";
    public static final String REPLICATION_VARIABLE = "FMNIST_KAFKA_REPLICATION_FACTOR";
    public static final String MIN_INSYNC_VARIABLE = "FMNIST_KAFKA_MIN_INSYNC_REPLICAS";
    public static final int DEFAULT_PARTITIONS = 12;
    static final int MAX_PARTITIONS = 1000;

    public TopicLayout {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException(PARTITIONS_VARIABLE + " must be 1-" + MAX_PARTITIONS + ", got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(REPLICATION_VARIABLE + " must be at least 1, got " + replicationFactor);
        }
        if (minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException(MIN_INSYNC_VARIABLE + " must be 1-" + replicationFactor
                    + " (the replication factor), got " + minInsyncReplicas);
        }
    }

    /**
     * From {@code FMNIST_KAFKA_*}; unset means 12 partitions, replication 1, and a min in-sync count of
     * 2 when there are at least 3 copies (one broker may fail without refusing writes), else 1.
     */
    public static TopicLayout fromEnvironment(Map<String, String> env) {
        int partitions = number(env, PARTITIONS_VARIABLE, DEFAULT_PARTITIONS);
        int replication = number(env, REPLICATION_VARIABLE, 1);
        int minInsync = number(env, MIN_INSYNC_VARIABLE, replication >= 3 ? 2 : 1);
        if (replication > Short.MAX_VALUE) {
            throw new IllegalArgumentException(REPLICATION_VARIABLE + " is too large: " + replication);
        }
        return new TopicLayout(partitions, (short) replication, minInsync);
    }

    private static int number(Map<String, String> env, String name, int otherwise) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got \"" + value + "\"");
        }
    }
}
