package dev.fmnist.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.kafka.TopicAccess.Role;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class TopicAccessTest {

    private static final Map<String, String> ALL = Map.of("FMNIST_ACL_TRAINER", "User:t",
            "FMNIST_ACL_INFERENCE", "User:i", "FMNIST_ACL_CLIENTS", "User:alice, User:bob",
            "FMNIST_ACL_OPERATORS", "User:o");

    @Test
    void everyTopicHasAnEntryWithAWriterAndAReader() {
        for (Topic topic : Topic.values()) {
            TopicAccess.Entry entry = TopicAccess.of(topic);
            assertThat(entry.writers()).as(topic.suffix()).isNotEmpty();
            assertThat(entry.readers()).as(topic.suffix()).isNotEmpty();
        }
        assertThat(TopicAccess.topics()).containsExactly(Topic.values());
    }

    @Test
    void clientsWriteOnlyTheIntakeAndTheCancelsAndEveryClosedTopicSaysWhy() {
        for (Topic topic : Topic.values()) {
            TopicAccess.Entry entry = TopicAccess.of(topic);
            boolean open = entry.writers().contains(Role.CLIENT);
            assertThat(entry.internalBecause().isEmpty()).as(topic.suffix() + ": a reason exactly when closed")
                    .isEqualTo(open);
        }
        assertThat(Topic.values()).filteredOn(t -> TopicAccess.of(t).writers().contains(Role.CLIENT))
                .containsExactlyInAnyOrder(Topic.EXPERIMENTS, Topic.EXPERIMENT_CONTROL);
        assertThat(TopicAccess.operations(Role.TRAINER, Topic.EXPERIMENT_STATE))
                .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE);
        assertThat(TopicAccess.operations(Role.CLIENT, Topic.EXPERIMENT_STATE)).containsExactly(AclOperation.READ);
        assertThat(TopicAccess.operations(Role.CLIENT, Topic.MODEL_CONTROL)).isEmpty();
        assertThat(TopicAccess.operations(Role.OPERATOR, Topic.MODEL_CONTROL))
                .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE);
        for (Topic topic : new Topic[] {Topic.PREDICTIONS, Topic.FEEDBACK, Topic.LIVE_ACCURACY, Topic.MODEL_CONTROL}) {
            assertThat(TopicAccess.operations(Role.INFERENCE, topic)).as(topic.suffix())
                    .containsExactlyInAnyOrder(AclOperation.READ, AclOperation.WRITE);
        }
        assertThat(TopicAccess.operations(Role.CLIENT, Topic.PREDICTIONS)).as("predictions may hold pixels").isEmpty();
        assertThat(TopicAccess.operations(Role.CLIENT, Topic.FEEDBACK)).isEmpty();
        assertThat(TopicAccess.operations(Role.CLIENT, Topic.LIVE_ACCURACY)).containsExactly(AclOperation.READ);
        assertThat(TopicAccess.operations(Role.TRAINER, Topic.PREDICTIONS)).isEmpty();
        assertThat(TopicAccess.operations(Role.INFERENCE, Topic.MODELS)).containsExactly(AclOperation.READ);
    }

    @Test
    void noPrincipalsMeansNoGrants() {
        assertThat(TopicAccess.principals(Map.of())).isEmpty();
        assertThat(TopicAccess.principals(Map.of("FMNIST_ACL_TRAINER", " ", "FMNIST_ACL_CLIENTS", ""))).isEmpty();
    }

    @Test
    void principalsAreReadPerRole() {
        Map<Role, List<String>> principals = TopicAccess.principals(ALL);
        assertThat(principals.get(Role.CLIENT)).containsExactly("User:alice", "User:bob");
        assertThat(principals.get(Role.TRAINER)).containsExactly("User:t");
        assertThat(TopicAccess.principals(with("FMNIST_ACL_CLIENTS", "User:*")).get(Role.CLIENT))
                .containsExactly("User:*");
    }

    @Test
    void refusalsNameTheVariable() {
        Map<String, String> some = new HashMap<>(ALL);
        some.remove("FMNIST_ACL_INFERENCE");
        some.remove("FMNIST_ACL_OPERATORS");
        assertThatThrownBy(() -> TopicAccess.principals(some)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("FMNIST_ACL_INFERENCE, FMNIST_ACL_OPERATORS are not set");
        assertThatThrownBy(() -> TopicAccess.principals(with("FMNIST_ACL_TRAINER", "trainer")))
                .hasMessageStartingWith("FMNIST_ACL_TRAINER: 'trainer' is not a principal");
        assertThatThrownBy(() -> TopicAccess.principals(with("FMNIST_ACL_INFERENCE", "User:i,,User:j")))
                .hasMessageStartingWith("FMNIST_ACL_INFERENCE: '' is not a principal");
        assertThatThrownBy(() -> TopicAccess.principals(with("FMNIST_ACL_OPERATORS", "User:*")))
                .hasMessageStartingWith("FMNIST_ACL_OPERATORS: User:* would grant every principal");
        assertThatThrownBy(() -> TopicAccess.principals(with("FMNIST_ACL_CLIENTS", "User:alice,User:t")))
                .hasMessageStartingWith("FMNIST_ACL_CLIENTS: User:t is also in FMNIST_ACL_TRAINER");
        String many = IntStream.range(0, TopicAccess.MAX_PRINCIPALS + 1).mapToObj(i -> "User:u" + i)
                .collect(Collectors.joining(","));
        assertThatThrownBy(() -> TopicAccess.principals(with("FMNIST_ACL_CLIENTS", many)))
                .hasMessage("FMNIST_ACL_CLIENTS: more than " + TopicAccess.MAX_PRINCIPALS + " principals");
    }

    @Test
    void bindingsGrantTheTableAndTheGroupsUnderThePrefix() {
        List<AclBinding> all = TopicAccess.bindings("team", TopicAccess.principals(ALL));
        // the Streams application's internal topics are the one prefixed topic grant: All, inference only
        List<AclBinding> streams = all.stream().filter(b -> b.pattern().resourceType() == ResourceType.TOPIC
                && b.pattern().patternType() == PatternType.PREFIXED).toList();
        assertThat(streams).containsExactly(allow(ResourceType.TOPIC, "team-live-accuracy-", PatternType.PREFIXED,
                "User:i", AclOperation.ALL));
        List<AclBinding> bindings = all.stream().filter(b -> !streams.contains(b)).toList();
        assertThat(bindings).allSatisfy(b -> {
            assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(b.entry().host()).isEqualTo("*");
            assertThat(b.entry().operation()).isIn(AclOperation.READ, AclOperation.WRITE);
        });
        assertThat(bindings).contains(
                allow(ResourceType.TOPIC, "team.experiment-state", PatternType.LITERAL, "User:t", AclOperation.WRITE),
                allow(ResourceType.TOPIC, "team.experiments", PatternType.LITERAL, "User:bob", AclOperation.WRITE),
                allow(ResourceType.TOPIC, "team.models", PatternType.LITERAL, "User:i", AclOperation.READ),
                allow(ResourceType.TOPIC, "team.model-control", PatternType.LITERAL, "User:o", AclOperation.WRITE),
                allow(ResourceType.GROUP, "team-trainers", PatternType.LITERAL, "User:t", AclOperation.READ),
                allow(ResourceType.GROUP, "fmnist-trainer-control-", PatternType.PREFIXED, "User:t", AclOperation.READ),
                allow(ResourceType.TRANSACTIONAL_ID, "team.holder.", PatternType.PREFIXED, "User:t", AclOperation.WRITE),
                allow(ResourceType.GROUP, "fmnist-inference-", PatternType.PREFIXED, "User:i", AclOperation.READ),
                allow(ResourceType.GROUP, "team-live-accuracy", PatternType.LITERAL, "User:i", AclOperation.READ),
                allow(ResourceType.TOPIC, "team.predictions", PatternType.LITERAL, "User:i", AclOperation.WRITE),
                allow(ResourceType.TOPIC, "team.feedback", PatternType.LITERAL, "User:i", AclOperation.READ),
                allow(ResourceType.TOPIC, "team.live-accuracy", PatternType.LITERAL, "User:i", AclOperation.WRITE),
                allow(ResourceType.TOPIC, "team.live-accuracy", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allow(ResourceType.TOPIC, "team.model-control", PatternType.LITERAL, "User:o", AclOperation.READ));
        assertThat(TopicAccess.liveAccuracyApplicationId("team")).isEqualTo("team-live-accuracy");
        assertThat(bindings).filteredOn(b -> b.entry().principal().equals("User:alice"))
                .noneMatch(b -> b.pattern().resourceType() == ResourceType.GROUP)
                .filteredOn(b -> b.entry().operation() == AclOperation.WRITE)
                .extracting(b -> b.pattern().name())
                .containsExactlyInAnyOrder("team.experiments", "team.experiment-control");
        assertThat(TopicAccess.holderTransactionalId("team", "run-1")).isEqualTo("team.holder.run-1");
        assertThat(all).filteredOn(b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID)
                .as("transactional ids: the trainers' only").extracting(b -> b.entry().principal())
                .containsExactly("User:t");
        // one binding per (principal, topic, operation) granted, per (principal, group), per transactional-id prefix
        long expected = 0;
        for (Role role : Role.values()) {
            long perPrincipal = TopicAccess.groups("team").stream().filter(g -> g.role() == role).count()
                    + 2 * TopicAccess.streamsApps("team").stream().filter(a -> a.role() == role).count()
                    + TopicAccess.transactionalIds("team").stream().filter(t -> t.role() == role).count();
            for (Topic topic : Topic.values()) {
                perPrincipal += TopicAccess.operations(role, topic).size();
            }
            expected += perPrincipal * TopicAccess.principals(ALL).get(role).size();
        }
        assertThat(all).hasSize((int) expected).doesNotHaveDuplicates();
    }

    private static Map<String, String> with(String variable, String value) {
        Map<String, String> environment = new HashMap<>(ALL);
        environment.put(variable, value);
        return environment;
    }

    private static AclBinding allow(ResourceType type, String name, PatternType pattern, String principal,
            AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
