package dev.fmnist.contract.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the project's topics ({@link Topic}) with their settings; topics that exist keep their
 * partitions, and {@link #main} brings their {@link Topic#configs()} up to date ({@link #update}), so
 * a setting changed in {@code Topic} reaches a cluster made before. The library call is what tests
 * use; {@link #main} is what {@code deploy/kafka/kafka.sh topics}, docker-compose and a Kubernetes job run.
 *
 * <p>Opt-in: given the principals of {@link TopicAccess}'s roles ({@code FMNIST_ACL_*}), it also grants
 * them the access table as ACLs, for a cluster with an authorizer; without them it grants nothing.
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
     * Sets every {@link Topic#configs()} value that an existing topic under {@code prefix} does not
     * have (an incremental alter: other settings stay); returns what it changed, as
     * {@code name: key old -> new}. Needs DescribeConfigs and AlterConfigs on the topics.
     */
    public static List<String> update(Admin admin, String prefix)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<ConfigResource> resources = new ArrayList<>();
        for (Topic topic : Topic.values()) {
            if (existing.contains(topic.name(prefix))) {
                resources.add(new ConfigResource(ConfigResource.Type.TOPIC, topic.name(prefix)));
            }
        }
        Map<ConfigResource, Config> current = admin.describeConfigs(resources).all()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
        List<String> changed = new ArrayList<>();
        for (ConfigResource resource : resources) {
            Topic topic = Topic.of(prefix, resource.name()).orElseThrow();
            for (Map.Entry<String, String> wanted : new TreeMap<>(topic.configs()).entrySet()) {
                ConfigEntry entry = current.get(resource).get(wanted.getKey());
                String value = entry == null ? null : entry.value();
                if (!wanted.getValue().equals(value)) {
                    changes.computeIfAbsent(resource, r -> new ArrayList<>()).add(new AlterConfigOp(
                            new ConfigEntry(wanted.getKey(), wanted.getValue()), AlterConfigOp.OpType.SET));
                    changed.add(resource.name() + ": " + wanted.getKey() + " " + value + " -> " + wanted.getValue());
                }
            }
        }
        if (!changes.isEmpty()) {
            admin.incrementalAlterConfigs(changes).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        return changed;
    }

    /** What {@link #grant} did: ACLs it added and those the cluster already had. */
    public record Grants(int added, int existed) {}

    /**
     * Grants {@link TopicAccess#bindings} under {@code prefix} to {@code principals}, adding only those
     * the cluster lacks (so a second run adds none) and removing nothing: ACLs an admin added by hand
     * stay. The admin's principal needs Describe and Alter on the cluster.
     */
    public static Grants grant(Admin admin, String prefix, Map<TopicAccess.Role, List<String>> principals)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<AclBinding> wanted = TopicAccess.bindings(prefix, principals);
        Set<AclBinding> existing = Set.copyOf(admin.describeAcls(AclBindingFilter.ANY).values()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        List<AclBinding> missing = wanted.stream().filter(b -> !existing.contains(b)).distinct().toList();
        if (!missing.isEmpty()) {
            admin.createAcls(missing).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        return new Grants(missing.size(), wanted.size() - missing.size());
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
                    + "; ACLs granted only when given principals in " + TopicAccess.variables() + ")");
            System.exit(2);
        }
        String prefix = option(args, "--prefix", Topic.DEFAULT_PREFIX);
        TopicLayout layout;
        Map<TopicAccess.Role, List<String>> principals;
        try {
            layout = TopicLayout.fromEnvironment(System.getenv());
            principals = TopicAccess.principals(System.getenv());
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
            updateAndSay(admin, prefix);
            if (!principals.isEmpty()) {
                grantAndSay(admin, args[0], prefix, principals);
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("topics: could not create them on " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /** A setting it cannot update is said, not fatal: the topics exist and work, only a setting lags. */
    private static void updateAndSay(Admin admin, String prefix) throws InterruptedException {
        try {
            List<String> changed = update(admin, prefix);
            if (!changed.isEmpty()) {
                System.err.println("topics: settings brought up to date: " + String.join("; ", changed));
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("topics: settings of existing topics not checked: " + e.getMessage()
                    + " (needs DescribeConfigs and AlterConfigs on the topics; docs/operating/kafka.md)");
        }
    }

    private static void grantAndSay(Admin admin, String bootstrap, String prefix,
            Map<TopicAccess.Role, List<String>> principals) throws InterruptedException {
        try {
            Grants grants = grant(admin, prefix, principals);
            List<String> who = new ArrayList<>();
            principals.forEach((role, names) -> who.add(role.label() + " " + String.join(",", names)));
            System.err.println("acls: added " + grants.added() + ", " + grants.existed() + " already there (" + prefix
                    + ".*; " + String.join("; ", who) + ")");
        } catch (ExecutionException | TimeoutException e) {
            // SecurityDisabledException: the broker has no authorizer; ClusterAuthorizationException: not an admin
            System.err.println("acls: could not grant them on " + bootstrap + ": " + e.getMessage()
                    + " (needs a broker with an authorizer and a principal that may alter its ACLs)");
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
