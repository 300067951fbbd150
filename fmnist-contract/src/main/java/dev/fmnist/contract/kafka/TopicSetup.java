package dev.fmnist.contract.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the project's topics ({@link Topic}) with their settings; topics that exist are left as
 * they are. The library call is what tests use; {@link #main} is what {@code deploy/kafka/kafka.sh
 * topics}, docker-compose and a Kubernetes job run.
 */
public final class TopicSetup {

    private static final long TIMEOUT_SECONDS = 60;

    private TopicSetup() {}

    /** Creates what is missing under {@code prefix}; returns the names it created. */
    public static List<String> create(Admin admin, String prefix, TopicLayout layout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (Topic topic : Topic.values()) {
            if (!existing.contains(topic.name(prefix))) {
                Map<String, String> configs = new HashMap<>(topic.configs());
                configs.put("min.insync.replicas", Integer.toString(layout.minInsyncReplicas()));
                missing.add(new NewTopic(topic.name(prefix), topic.partitions(layout), layout.replicationFactor())
                        .configs(configs));
            }
        }
        List<String> created = new ArrayList<>();
        for (Map.Entry<String, KafkaFuture<Void>> result
                : admin.createTopics(missing).values().entrySet()) {
            try {
                result.getValue().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                created.add(result.getKey());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) { // another setup won the race
                    throw e;
                }
            }
        }
        return created;
    }

    /**
     * {@code TopicSetup BOOTSTRAP [--prefix P]}; partitions, replication and min in-sync replicas come
     * from {@code FMNIST_KAFKA_*} ({@link TopicLayout#fromEnvironment}), SASL/SSL from {@code KAFKA_*}
     * ({@link KafkaSecurity}), as for the services.
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: TopicSetup BOOTSTRAP [--prefix " + Topic.DEFAULT_PREFIX + "]  (layout from "
                    + TopicLayout.PARTITIONS_VARIABLE + ", " + TopicLayout.REPLICATION_VARIABLE + ", "
                    + TopicLayout.MIN_INSYNC_VARIABLE + "; SASL/SSL from " + String.join(", ", KafkaSecurity.VARIABLES.keySet())
                    + ")");
            System.exit(2);
        }
        String prefix = option(args, "--prefix", Topic.DEFAULT_PREFIX);
        TopicLayout layout;
        try {
            layout = TopicLayout.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("topics: " + e.getMessage());
            System.exit(2);
            return;
        }
        try (Admin admin = Admin.create(adminSettings(args[0], System.getenv()))) {
            List<String> created = create(admin, prefix, layout);
            System.err.println("topics: " + (created.isEmpty() ? "all " + Topic.values().length + " exist"
                    : "created " + String.join(", ", created)) + " (" + prefix + ".*, " + layout.partitions()
                    + " partitions where shared, replication " + layout.replicationFactor() + ", min in-sync "
                    + layout.minInsyncReplicas() + ")");
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("topics: could not create them on " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** The admin client's settings: the bootstrap address and the SASL/SSL settings {@code environment} gives. */
    static Map<String, Object> adminSettings(String bootstrap, Map<String, String> environment) {
        Map<String, Object> settings = new HashMap<>(KafkaSecurity.fromEnvironment(environment));
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return settings;
    }

    private static String option(String[] args, String name, String otherwise) {
        int at = Arrays.asList(args).indexOf(name);
        return at >= 0 && at + 1 < args.length ? args[at + 1] : otherwise;
    }
}
