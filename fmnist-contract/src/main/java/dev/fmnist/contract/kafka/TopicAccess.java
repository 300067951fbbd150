package dev.fmnist.contract.kafka;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may read and write each {@link Topic}, and which consumer groups each program joins: the one
 * access table that {@link TopicSetup} grants as ACLs on a cluster with an authorizer, and that
 * docs/operating/kafka.md shows (a test compares the page with this class). A topic without an entry
 * here cannot be granted ({@link #of} refuses it), and a test fails on it.
 *
 * <p>{@code Read} and {@code Write} imply {@code Describe} in Kafka, which every program needs for
 * metadata and end offsets; a principal that may write a topic needs no {@code IdempotentWrite} for the
 * idempotent producers. The trainers publish each experiment's end in a transaction of its own
 * ({@link #holderTransactionalId}), granted {@code Write} on the transactional ids' prefix.
 */
public final class TopicAccess {

    /** The roles that use the topics, each a set of principals given to {@link TopicSetup}. */
    public enum Role {
        /** trainer-service. */
        TRAINER("trainer", "FMNIST_ACL_TRAINER"),
        /** inference-service. */
        INFERENCE("inference", "FMNIST_ACL_INFERENCE"),
        /** The CLI's users ({@code fmnist submit}, {@code watch}, {@code list}, ...; {@code kcat}). */
        CLIENT("clients", "FMNIST_ACL_CLIENTS"),
        /** Clients who also pin models for the fleet and read the dead letters and plots. */
        OPERATOR("operators", "FMNIST_ACL_OPERATORS");

        private final String label;
        private final String variable;

        Role(String label, String variable) {
            this.label = label;
            this.variable = variable;
        }

        /** How the docs name the role. */
        public String label() {
            return label;
        }

        /** The environment variable that gives the role's principals to {@link TopicSetup}. */
        public String variable() {
            return variable;
        }

        /**
         * Whether {@code User:*} (every authenticated principal) may be given: only for clients, whose
         * grants are the public ones; a wildcard trainer, inference or operator would open what the
         * table closes.
         */
        public boolean wildcardAllowed() {
            return this == CLIENT;
        }
    }

    /** Who writes and who reads a topic, and why a client must not write it (empty when clients may). */
    public record Entry(Topic topic, Set<Role> writers, Set<Role> readers, String internalBecause) {
        public Entry {
            writers = Collections.unmodifiableSet(EnumSet.copyOf(writers));
            readers = Collections.unmodifiableSet(EnumSet.copyOf(readers));
        }
    }

    /**
     * A consumer group a role joins: its name under a topic prefix, whole ({@link PatternType#LITERAL})
     * or a prefix of the per-process names ({@link PatternType#PREFIXED}).
     */
    public record Group(Role role, String name, PatternType patternType, String usedBy) {}

    /**
     * A Kafka Streams application a role runs: its application id is its consumer group (granted
     * Read, literal) and the prefix of its internal topics, {@code APPLICATION_ID-...-changelog} and
     * {@code -repartition}, which it creates, reads, writes, describes and purges (granted All, on the
     * prefix {@code APPLICATION_ID-}), as Kafka's Streams security guide has it.
     */
    public record StreamsApp(Role role, String applicationId, String usedBy) {

        /** The prefix of its internal topics. */
        public String internalTopicPrefix() {
            return applicationId + "-";
        }
    }

    /**
     * Transactional ids a role's producers use: all that start with {@code prefix}, granted {@code Write}
     * (which implies {@code Describe}), as Kafka's authorization guide has it for transactional producers.
     */
    public record TransactionalIds(Role role, String prefix, String usedBy) {}

    /** At most this many principals per role: the variables are read from an environment anyone may set. */
    public static final int MAX_PRINCIPALS = 100;
    /** {@code Type:name}, as Kafka's ACLs spell a principal; no spaces or commas (the list separator). */
    private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z][A-Za-z0-9]*:[^\\s,]+");
    private static final String WILDCARD_NAME = "*";

    /** The trainers' shared group, {@code PREFIX-trainers} (application.properties of trainer-service). */
    public static final String TRAINERS_GROUP_SUFFIX = "-trainers";
    /** Each trainer's cancel reader, a group per process under this fixed prefix. */
    public static final String TRAINER_CONTROL_GROUP_PREFIX = "fmnist-trainer-control-";
    /** Each inference replica's artefact follower, a group per process under this fixed prefix. */
    public static final String INFERENCE_GROUP_PREFIX = "fmnist-inference-";
    /** The inference replicas' promotion-policy election, {@code PREFIX-policy} (joined in code: PolicyLeadership). */
    public static final String POLICY_GROUP_SUFFIX = "-policy";
    /** The inference service's live-accuracy stream processor: application id {@code PREFIX-live-accuracy}. */
    public static final String LIVE_ACCURACY_APP_SUFFIX = "-live-accuracy";

    /** Between the topic prefix and the experiment id in the transactional id of an experiment's holders. */
    public static final String HOLDER_TRANSACTIONS_INFIX = ".holder.";

    private static final Map<Topic, Entry> TABLE = table();

    private TopicAccess() {}

    private static Map<Topic, Entry> table() {
        Map<Topic, Entry> table = new EnumMap<>(Topic.class);
        put(table, Topic.EXPERIMENTS, EnumSet.of(Role.TRAINER, Role.CLIENT, Role.OPERATOR), EnumSet.of(Role.TRAINER),
                "");
        put(table, Topic.EXPERIMENT_CONTROL, EnumSet.of(Role.CLIENT, Role.OPERATOR), EnumSet.of(Role.TRAINER), "");
        put(table, Topic.EXPERIMENT_EVENTS, EnumSet.of(Role.TRAINER), EnumSet.of(Role.CLIENT, Role.OPERATOR),
                "it is the record of what ran: a forged SUCCEEDED or EPOCH is what show and report would print");
        put(table, Topic.EXPERIMENT_STATE, EnumSet.of(Role.TRAINER),
                EnumSet.of(Role.TRAINER, Role.CLIENT, Role.OPERATOR),
                "a forged claim holds an experiment away from the trainers, a forged end stops it");
        put(table, Topic.MODELS, EnumSet.of(Role.TRAINER), EnumSet.of(Role.INFERENCE, Role.CLIENT, Role.OPERATOR),
                "whatever is written there under an architecture is served");
        put(table, Topic.MODEL_CONTROL, EnumSet.of(Role.INFERENCE, Role.OPERATOR),
                EnumSet.of(Role.INFERENCE, Role.OPERATOR),
                "one record re-pins every replica of the fleet, or promotes a challenger");
        put(table, Topic.EXPERIMENTS_DLQ, EnumSet.of(Role.TRAINER), EnumSet.of(Role.OPERATOR),
                "it holds other users' refused requests");
        put(table, Topic.REPORTS, EnumSet.of(Role.TRAINER), EnumSet.of(Role.OPERATOR),
                "a forged plot would stand for a sweep's result");
        put(table, Topic.CHECKPOINTS, EnumSet.of(Role.TRAINER), EnumSet.of(Role.TRAINER),
                "a forged checkpoint is what a run taken over resumes from");
        put(table, Topic.PREDICTIONS, EnumSet.of(Role.INFERENCE), EnumSet.of(Role.INFERENCE, Role.OPERATOR),
                "forged answers move the live accuracy that promotions and rollbacks follow; they may hold pixels");
        put(table, Topic.FEEDBACK, EnumSet.of(Role.INFERENCE, Role.OPERATOR), EnumSet.of(Role.INFERENCE, Role.OPERATOR),
                "forged labels move the live accuracy; clients label their predictions through the service");
        put(table, Topic.LIVE_ACCURACY, EnumSet.of(Role.INFERENCE),
                EnumSet.of(Role.INFERENCE, Role.CLIENT, Role.OPERATOR),
                "the promotion policy promotes and rolls back on what it says");
        return Collections.unmodifiableMap(table);
    }

    private static void put(Map<Topic, Entry> table, Topic topic, Set<Role> writers, Set<Role> readers,
            String internalBecause) {
        table.put(topic, new Entry(topic, writers, readers, internalBecause));
    }

    /** The access entry of {@code topic}; refuses a topic that has none (nobody could be granted it). */
    public static Entry of(Topic topic) {
        Entry entry = TABLE.get(topic);
        if (entry == null) {
            throw new IllegalStateException("topic " + topic.suffix() + " has no entry in the access table "
                    + "(dev.fmnist.contract.kafka.TopicAccess): say who reads and writes it");
        }
        return entry;
    }

    /** The topics that have an entry, in {@link Topic}'s order. */
    public static Set<Topic> topics() {
        return TABLE.keySet();
    }

    /** The consumer groups each role joins, under {@code prefix}. Clients read by assignment: none. */
    public static List<Group> groups(String prefix) {
        return List.of(
                new Group(Role.TRAINER, prefix + TRAINERS_GROUP_SUFFIX, PatternType.LITERAL,
                        "the requests, shared by the trainer group"),
                new Group(Role.TRAINER, TRAINER_CONTROL_GROUP_PREFIX, PatternType.PREFIXED,
                        "each trainer's cancel reader"),
                new Group(Role.INFERENCE, INFERENCE_GROUP_PREFIX, PatternType.PREFIXED,
                        "each replica's artefact follower"),
                new Group(Role.INFERENCE, policyGroup(prefix), PatternType.LITERAL,
                        "the promotion policy's election: the member holding model-control decides"));
    }

    /** The promotion policy's election group under {@code prefix}: {@code PREFIX-policy}. */
    public static String policyGroup(String prefix) {
        return prefix + POLICY_GROUP_SUFFIX;
    }

    /** The live-accuracy stream processor's application id under {@code prefix}: {@code PREFIX-live-accuracy}. */
    public static String liveAccuracyApplicationId(String prefix) {
        return prefix + LIVE_ACCURACY_APP_SUFFIX;
    }

    /**
     * The transactional id under which every holder of {@code experimentId} publishes its end,
     * {@code PREFIX.holder.ID}: one per experiment, so a holder's producer fences every earlier
     * holder's (a trainer paused past its lease that wakes cannot publish a second end).
     */
    public static String holderTransactionalId(String prefix, String experimentId) {
        return prefix + HOLDER_TRANSACTIONS_INFIX + experimentId;
    }

    /** The transactional ids each role's producers use, under {@code prefix}. */
    public static List<TransactionalIds> transactionalIds(String prefix) {
        return List.of(new TransactionalIds(Role.TRAINER, prefix + HOLDER_TRANSACTIONS_INFIX,
                "each experiment's end: artefact, terminal event and end state in one transaction"));
    }

    /** The Kafka Streams applications each role runs, under {@code prefix}. */
    public static List<StreamsApp> streamsApps(String prefix) {
        return List.of(new StreamsApp(Role.INFERENCE, liveAccuracyApplicationId(prefix),
                "the live-accuracy stream processor: joins predictions with feedback, writes live-accuracy"));
    }

    /**
     * The principals of each role from {@code FMNIST_ACL_*} (comma-separated {@code Type:name}); empty
     * when none is set, which means: grant nothing. Once one is set every role must be, so no role is
     * left without its grants by a typo; a refusal names the variable.
     */
    public static Map<Role, List<String>> principals(Map<String, String> environment) {
        Map<Role, List<String>> principals = new EnumMap<>(Role.class);
        List<String> unset = new ArrayList<>();
        for (Role role : Role.values()) {
            String value = environment.get(role.variable());
            if (value == null || value.isBlank()) {
                unset.add(role.variable());
            } else {
                principals.put(role, parse(role, value));
            }
        }
        if (principals.isEmpty()) {
            return Map.of();
        }
        if (!unset.isEmpty()) {
            throw new IllegalArgumentException(String.join(", ", unset) + (unset.size() == 1 ? " is" : " are")
                    + " not set: once one FMNIST_ACL_* variable is set, TopicSetup grants every role's ACLs and "
                    + "needs the principals of each (" + variables() + ")");
        }
        for (String client : principals.get(Role.CLIENT)) {
            for (Role role : List.of(Role.TRAINER, Role.INFERENCE, Role.OPERATOR)) {
                if (principals.get(role).contains(client)) {
                    throw new IllegalArgumentException(Role.CLIENT.variable() + ": " + client + " is also in "
                            + role.variable() + "; a client holding the " + role.label()
                            + "' grants could write what the table closes to clients");
                }
            }
        }
        return Collections.unmodifiableMap(principals);
    }

    private static List<String> parse(Role role, String value) {
        Set<String> parsed = new LinkedHashSet<>();
        for (String part : value.split(",", -1)) {
            String principal = part.strip();
            if (!PRINCIPAL.matcher(principal).matches()) {
                throw new IllegalArgumentException(role.variable() + ": '" + abbreviate(principal)
                        + "' is not a principal: write Type:name, e.g. User:fmnist-" + role.name().toLowerCase()
                        + ", several separated by commas");
            }
            if (principal.endsWith(":" + WILDCARD_NAME) && !role.wildcardAllowed()) {
                throw new IllegalArgumentException(role.variable() + ": " + principal + " would grant every "
                        + "principal the " + role.label() + "' access; name the " + role.label() + "' own principals");
            }
            parsed.add(principal);
            if (parsed.size() > MAX_PRINCIPALS) {
                throw new IllegalArgumentException(role.variable() + ": more than " + MAX_PRINCIPALS + " principals");
            }
        }
        return List.copyOf(parsed);
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }

    /** The variables, in the roles' order, for messages. */
    public static String variables() {
        return String.join(", ", Arrays.stream(Role.values()).map(Role::variable).toList());
    }

    /** The operations {@code role} is granted on {@code topic}: Read, Write, both or none. */
    public static Set<AclOperation> operations(Role role, Topic topic) {
        Entry entry = of(topic);
        Set<AclOperation> operations = EnumSet.noneOf(AclOperation.class);
        if (entry.readers().contains(role)) {
            operations.add(AclOperation.READ);
        }
        if (entry.writers().contains(role)) {
            operations.add(AclOperation.WRITE);
        }
        return operations;
    }

    /**
     * Every ACL the table grants under {@code prefix} to {@code principals}: Read and Write on the
     * topics (literal names), Read on the groups, Write on the transactional ids' prefixes, and for each
     * Streams application Read on its group and All on its internal topics' prefix; all {@code Allow}
     * from any host.
     */
    public static List<AclBinding> bindings(String prefix, Map<Role, List<String>> principals) {
        List<AclBinding> bindings = new ArrayList<>();
        for (Map.Entry<Role, List<String>> role : new LinkedHashMap<>(principals).entrySet()) {
            for (String principal : role.getValue()) {
                for (Topic topic : Topic.values()) {
                    for (AclOperation operation : operations(role.getKey(), topic)) {
                        bindings.add(allow(new ResourcePattern(ResourceType.TOPIC, topic.name(prefix),
                                PatternType.LITERAL), principal, operation));
                    }
                }
                for (Group group : groups(prefix)) {
                    if (group.role() == role.getKey()) {
                        bindings.add(allow(new ResourcePattern(ResourceType.GROUP, group.name(), group.patternType()),
                                principal, AclOperation.READ));
                    }
                }
                for (TransactionalIds ids : transactionalIds(prefix)) {
                    if (ids.role() == role.getKey()) {
                        bindings.add(allow(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, ids.prefix(),
                                PatternType.PREFIXED), principal, AclOperation.WRITE));
                    }
                }
                for (StreamsApp app : streamsApps(prefix)) {
                    if (app.role() == role.getKey()) {
                        bindings.add(allow(new ResourcePattern(ResourceType.GROUP, app.applicationId(),
                                PatternType.LITERAL), principal, AclOperation.READ));
                        bindings.add(allow(new ResourcePattern(ResourceType.TOPIC, app.internalTopicPrefix(),
                                PatternType.PREFIXED), principal, AclOperation.ALL));
                    }
                }
            }
        }
        return bindings;
    }

    private static AclBinding allow(ResourcePattern resource, String principal, AclOperation operation) {
        return new AclBinding(resource, new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
