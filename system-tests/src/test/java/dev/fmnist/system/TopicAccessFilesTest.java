package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicAccess;
import dev.fmnist.contract.kafka.TopicAccess.Role;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The access table ({@link TopicAccess}) against everything that restates it: the tables and the
 * kafka-acls.sh commands of docs/operating/kafka.md, the consumer groups the services'
 * application.properties name, and the SASL deployment files' principals.
 */
class TopicAccessFilesTest {

    private static final Path ROOT = PrometheusServer.ROOT;
    private static final Path PAGE = ROOT.resolve("docs/operating/kafka.md");
    /** The principals the page's examples use, role by role. */
    private static final Map<String, String> EXAMPLE_PRINCIPALS = Map.of("FMNIST_ACL_TRAINER", "User:fmnist-trainer",
            "FMNIST_ACL_INFERENCE", "User:fmnist-inference", "FMNIST_ACL_CLIENTS", "User:fmnist-client",
            "FMNIST_ACL_OPERATORS", "User:fmnist-operator");

    @Test
    void thePagesTopicTableIsTheCodes() throws IOException {
        List<String> expected = new ArrayList<>(List.of("| topic | written by | read by | closed to clients because |",
                "| --- | --- | --- | --- |"));
        for (Topic topic : Topic.values()) {
            TopicAccess.Entry entry = TopicAccess.of(topic);
            expected.add("| `" + topic.defaultName() + "` | " + labels(entry.writers()) + " | " + labels(entry.readers())
                    + " | " + (entry.internalBecause().isEmpty() ? "(clients may write it)" : entry.internalBecause())
                    + " |");
        }
        assertThat(table(expected.get(0))).as("the table in " + PAGE + ", as the code has it:\n"
                + String.join("\n", expected) + "\n").isEqualTo(expected);
    }

    @Test
    void thePagesGroupTableIsTheCodes() throws IOException {
        List<String> expected = new ArrayList<>(List.of("| consumer group | pattern | role | joined by |",
                "| --- | --- | --- | --- |"));
        for (TopicAccess.Group group : TopicAccess.groups(Topic.DEFAULT_PREFIX)) {
            expected.add("| `" + group.name() + "` | " + group.patternType().name().toLowerCase(Locale.ROOT) + " | "
                    + group.role().label() + " | " + group.usedBy() + " |");
        }
        assertThat(table(expected.get(0))).as("the group table in " + PAGE + ", as the code has it:\n"
                + String.join("\n", expected) + "\n").isEqualTo(expected);
    }

    /** The documented kafka-acls.sh commands grant exactly what TopicSetup grants the same principals. */
    @Test
    void thePagesAclCommandsGrantWhatTopicSetupGrants() throws IOException {
        Set<AclBinding> documented = new HashSet<>();
        for (String command : aclCommands()) {
            documented.addAll(bindings(command));
        }
        Map<Role, List<String>> principals = TopicAccess.principals(EXAMPLE_PRINCIPALS);
        Set<AclBinding> granted = new HashSet<>(TopicAccess.bindings(Topic.DEFAULT_PREFIX, principals));
        Set<String> roles = principals.values().stream().flatMap(List::stream).collect(Collectors.toSet());
        Set<AclBinding> documentedForRoles = documented.stream().filter(b -> roles.contains(b.entry().principal()))
                .collect(Collectors.toSet());
        Set<AclBinding> missing = new HashSet<>(granted);
        missing.removeAll(documentedForRoles);
        Set<AclBinding> extra = new HashSet<>(documentedForRoles);
        extra.removeAll(granted);
        assertThat(missing).as("granted by TopicSetup, missing from the page's commands").isEmpty();
        assertThat(extra).as("in the page's commands, not granted by TopicSetup").isEmpty();
        assertThat(Files.readString(PAGE)).as("the page's count of a second run's ACLs")
                .contains("`acls: added 0, " + granted.size() + " already there");
    }

    /** Every consumer group a service names is one the table grants its role, and every granted one is used. */
    /** Service to the TopicAccess method naming a group it joins with a plain client, not a SmallRye channel. */
    private static final Map<String, String> CODE_JOINED_GROUPS = Map.of("inference-service", "policyGroup");

    @Test
    void theServicesConsumerGroupsAreTheTables() throws IOException {
        Map<String, Role> services = Map.of("trainer-service", Role.TRAINER, "inference-service", Role.INFERENCE);
        List<TopicAccess.Group> used = new ArrayList<>();
        String prefix = "PREFIX";
        for (Map.Entry<String, Role> service : services.entrySet()) {
            Properties properties = new Properties();
            try (var in = Files.newInputStream(ROOT.resolve(service.getKey() + "/src/main/resources/application.properties"))) {
                properties.load(in);
            }
            for (String key : properties.stringPropertyNames()) {
                if (!key.startsWith("%") && key.endsWith(".group.id")) {
                    String group = properties.getProperty(key).replace("${fmnist.kafka.topic-prefix}", prefix);
                    TopicAccess.Group match = TopicAccess.groups(prefix).stream()
                            .filter(g -> g.role() == service.getValue())
                            .filter(g -> g.patternType() == PatternType.LITERAL ? g.name().equals(group)
                                    : group.startsWith(g.name()) && group.substring(g.name().length()).startsWith("${"))
                            .findFirst().orElse(null);
                    assertThat(match).as(service.getKey() + " " + key + "=" + properties.getProperty(key)
                            + ": a group TopicAccess grants " + service.getValue()).isNotNull();
                    used.add(match);
                }
            }
        }
        // Groups a plain client joins in code: the service's main sources must take the name from TopicAccess.
        for (Map.Entry<String, String> joined : CODE_JOINED_GROUPS.entrySet()) {
            String call = "TopicAccess." + joined.getValue() + "(";
            List<Path> callers;
            try (Stream<Path> files = Files.walk(ROOT.resolve(joined.getKey() + "/src/main/java"))) {
                callers = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                    try {
                        return Files.readString(f).contains(call);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).toList();
            }
            assertThat(callers).as(joined.getKey() + " joins the group " + call + "prefix): its main sources call it")
                    .isNotEmpty();
            String group = switch (joined.getValue()) {
                case "policyGroup" -> TopicAccess.policyGroup(prefix);
                default -> throw new IllegalStateException("no group method " + joined.getValue());
            };
            TopicAccess.Group match = TopicAccess.groups(prefix).stream()
                    .filter(g -> g.role() == services.get(joined.getKey()))
                    .filter(g -> g.patternType() == PatternType.LITERAL && g.name().equals(group))
                    .findFirst().orElse(null);
            assertThat(match).as(joined.getKey() + " joins " + group + ": a group TopicAccess grants "
                    + services.get(joined.getKey())).isNotNull();
            used.add(match);
        }
        assertThat(used).as("every group TopicAccess grants is joined by its service")
                .containsExactlyInAnyOrderElementsOf(TopicAccess.groups(prefix));
    }

    /** The SASL deployment files give the topics job every role's principals, valid ones, and nobody else. */
    @Test
    void theSaslDeploymentsGiveTheTopicsJobValidPrincipals() throws IOException {
        JsonNode compose = new YAMLMapper().readTree(ROOT.resolve("docker-compose.sasl.yml").toFile()).get("services");
        Map<String, String> topics = new LinkedHashMap<>();
        compose.get("kafka-topics").get("environment").properties().forEach(e -> topics.put(e.getKey(), e.getValue().asText()));
        assertThat(TopicAccess.principals(topics)).as("compose kafka-topics").containsOnlyKeys(Role.values());
        compose.properties().forEach(service -> {
            if (!service.getKey().equals("kafka-topics")) {
                assertThat(service.getValue().path("environment").has(Role.TRAINER.variable())).as(service.getKey()).isFalse();
            }
        });

        Map<String, JsonNode> overlay = new HashMap<>();
        for (String file : List.of("acl.yaml", "kafka-login.yaml")) {
            for (JsonNode doc : new YAMLMapper().readValues(new YAMLFactory().createParser(
                    ROOT.resolve("deploy/k8s-sasl/" + file).toFile()), JsonNode.class).readAll()) {
                overlay.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
            }
        }
        Map<String, String> acl = new LinkedHashMap<>();
        overlay.get("ConfigMap/fmnist-acl").get("data").properties().forEach(e -> acl.put(e.getKey(), e.getValue().asText()));
        assertThat(TopicAccess.principals(acl)).as("k8s fmnist-acl").containsOnlyKeys(Role.values());
        JsonNode job = overlay.get("Job/fmnist-topics").at("/spec/template/spec/containers/0");
        assertThat(job.get("envFrom").findValuesAsText("name")).as("the topics job's ConfigMaps")
                .contains("fmnist-acl", "fmnist-kafka", "fmnist-topics");
        Set<String> secrets = new HashSet<>();
        for (String workload : List.of("Job/fmnist-topics", "Deployment/fmnist-trainer", "Deployment/fmnist-inference")) {
            JsonNode env = overlay.get(workload).at("/spec/template/spec/containers/0/env");
            String secret = null;
            for (JsonNode variable : env) {
                if (variable.get("name").asText().equals("KAFKA_SASL_JAAS_CONFIG")) {
                    secret = variable.at("/valueFrom/secretKeyRef/name").asText();
                }
            }
            assertThat(secret).as(workload + ": its login from a Secret").isNotBlank();
            assertThat(secrets.add(secret)).as(workload + ": a login of its own").isTrue();
        }
        assertThat(Files.readString(ROOT.resolve("deploy/k8s-sasl/kustomization.yaml")))
                .contains("- ../k8s").contains("- acl.yaml").contains("- path: kafka-login.yaml");
    }

    private static String labels(Set<Role> roles) {
        return roles.stream().map(Role::label).collect(Collectors.joining(", "));
    }

    /** The page's table that starts with {@code header}: that line and the table lines after it. */
    private static List<String> table(String header) throws IOException {
        List<String> lines = Files.readAllLines(PAGE);
        int start = lines.indexOf(header);
        assertThat(start).as(PAGE + " has a table headed " + header).isNotNegative();
        List<String> table = new ArrayList<>();
        for (int i = start; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            table.add(lines.get(i));
        }
        return table;
    }

    /** The {@code acl ...} commands of the page's kafka-acls.sh block, continuation lines joined. */
    private static List<String> aclCommands() throws IOException {
        String page = Files.readString(PAGE).replace("\\\n", " ");
        List<String> commands = new ArrayList<>();
        for (String line : page.split("\n")) {
            if (line.startsWith("acl --")) {
                commands.add(line);
            }
        }
        assertThat(commands).as("acl commands in " + PAGE).isNotEmpty();
        return commands;
    }

    /** What one {@code acl} (kafka-acls.sh --add) command grants. */
    private static List<AclBinding> bindings(String command) {
        List<String> words = Arrays.stream(command.trim().split("\\s+")).toList();
        List<String> principals = new ArrayList<>();
        List<AclOperation> operations = new ArrayList<>();
        List<ResourcePattern> resources = new ArrayList<>();
        PatternType pattern = words.contains("--resource-pattern-type")
                ? PatternType.fromString(words.get(words.indexOf("--resource-pattern-type") + 1).toUpperCase(Locale.ROOT)) : PatternType.LITERAL;
        for (int i = 1; i < words.size(); i++) {
            String value = i + 1 < words.size() ? words.get(i + 1) : "";
            switch (words.get(i)) {
                case "--allow-principal" -> principals.add(value);
                case "--operation" -> operations.add(AclOperation.fromString(value));
                case "--topic" -> resources.add(new ResourcePattern(ResourceType.TOPIC, value, pattern));
                case "--group" -> resources.add(new ResourcePattern(ResourceType.GROUP, value, pattern));
                case "--transactional-id" -> resources.add(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, value,
                        pattern));
                case "--cluster" -> resources.add(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", pattern));
                default -> { }
            }
        }
        List<AclBinding> bindings = new ArrayList<>();
        for (String principal : principals) {
            for (AclOperation operation : operations) {
                for (ResourcePattern resource : resources) {
                    bindings.add(new AclBinding(resource,
                            new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
                }
            }
        }
        return bindings;
    }
}
