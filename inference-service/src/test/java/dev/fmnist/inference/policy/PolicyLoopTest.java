package dev.fmnist.inference.policy;

import static dev.fmnist.inference.policy.PolicyFixtures.MODEL;
import static dev.fmnist.inference.policy.PolicyFixtures.manifest;
import static dev.fmnist.inference.policy.PolicyFixtures.outcomes;
import static dev.fmnist.inference.policy.PolicyFixtures.stats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.inference.policy.PromotionPolicy.Candidate;
import dev.fmnist.inference.policy.PromotionPolicy.Challenging;
import dev.fmnist.inference.policy.PromotionPolicy.Contender;
import dev.fmnist.inference.policy.PromotionPolicy.Situation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two replicas' policy loops on the real broker, on topics of their own, looking at the same served
 * model: one is elected through the {@code PREFIX-policy} group and writes the decision, once; the
 * other never decides while it is not elected; when the leader leaves, the other is elected, reads
 * the history and takes the next decision, never the one already written.
 */
@NeedsBroker
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PolicyLoopTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final String CHAMPION = "aaaaaaaaaaaa";
    private static final String CHALLENGER = "bbbbbbbbbbbb";
    private static final PolicyThresholds T = new PolicyThresholds(200, 50, 0.9, 200, 1.0, 0.05, 0.8);

    private String prefix;
    private KafkaProducer<String, byte[]> producer;
    private final List<PolicyLoop> loops = new ArrayList<>();
    /** Whether the replicas have loaded the challenger the first decision named (the second decision's cue). */
    private final AtomicBoolean challengerLoaded = new AtomicBoolean();
    /**
     * Set once both replicas are in the group and it is stable: until then the one that joined first
     * leads alone for a moment and the second one's arrival may move the partition, so nothing is
     * there to decide on yet.
     */
    private final AtomicBoolean served = new AtomicBoolean();

    @BeforeEach
    void topicsOfItsOwn() {
        prefix = TestTopics.fresh("policy");
        producer = new KafkaProducer<>(KafkaClients.producer(connection()), new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        loops.forEach(PolicyLoop::close);
        producer.close();
    }

    private static Map<String, Object> connection() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
    }

    /** A replica: its rounds counted, its decisions counted in a registry of its own. */
    private record Replica(PolicyLoop loop, AtomicInteger rounds, PolicyMetrics metrics) {

        double decided(ModelDecision decision) {
            return metrics.count(MODEL, decision);
        }
    }

    private Replica replica(String member) {
        AtomicInteger rounds = new AtomicInteger();
        PolicyMetrics metrics = new PolicyMetrics(new SimpleMeterRegistry());
        PolicyLoop loop = new PolicyLoop(member, connection(), prefix, INTERVAL, T, history -> {
            if (!served.get()) {
                return List.of();
            }
            rounds.incrementAndGet();
            return List.of(situation(history));
        }, this::write, metrics);
        loops.add(loop);
        return new Replica(loop.start(), rounds, metrics);
    }

    /**
     * What both replicas serve: champion A, 0.950 on its last 200 labelled; a newer artefact B, then,
     * once "loaded", B as a challenger that passes everything; the newest control record is the topic's.
     */
    private Situation situation(ControlHistory history) {
        Contender champion = new Contender(CHAMPION, manifest(CHAMPION, 0.9301, 0.929), stats(CHAMPION,
                outcomes(200, 190)));
        Challenging challenger = challengerLoaded.get() ? new Challenging(new Contender(CHALLENGER,
                manifest(CHALLENGER, 0.9312, 0.93), stats(CHALLENGER, outcomes(200, 191), CHAMPION, 412, 396)),
                ChallengerMode.SHADOW, 1.0) : null;
        Candidate candidate = history.named(MODEL, CHALLENGER::equals) ? null : new Candidate(CHALLENGER, "exp-b", 0.93);
        return new Situation(MODEL, history.latest(MODEL).orElse(null), champion, challenger, null, candidate, null);
    }

    private long write(ModelControl control) {
        try {
            return producer.send(new ProducerRecord<>(Topic.MODEL_CONTROL.name(prefix), control.model(),
                    control.toJson())).get(WAIT.toSeconds(), TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record on the model-control topic now, in order. */
    private List<ModelControl> records() {
        TopicPartition partition = new TopicPartition(Topic.MODEL_CONTROL.name(prefix), 0);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(connection(), Map.of()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<ModelControl> records = new ArrayList<>();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    records.add(ModelControl.parse(r.key(), r.value()));
                }
            }
            return records;
        }
    }

    /** Waits until the policy group has {@code members} members and is stable, its one partition assigned. */
    private void awaitStableGroupOf(int members) throws InterruptedException {
        String group = PolicyLeadership.group(prefix);
        try (Admin admin = Admin.create(connection())) {
            await("the group " + group + " stable with " + members + " members", () -> {
                try {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                            .get(10, TimeUnit.SECONDS).get(group);
                    return d.groupState() == GroupState.STABLE && d.members().size() == members
                            && d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum() == 1;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited " + WAIT.toSeconds() + " s for " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void oneReplicaDecidesOnceAndTheOtherTakesOverWithoutRepeatingIt() throws Exception {
        Replica first = replica("first");
        Replica second = replica("second");
        awaitStableGroupOf(2);
        served.set(true);

        await("a decision on the topic", () -> records().size() == 1);
        Replica leader = first.decided(ModelDecision.CHALLENGE) == 1 ? first : second;
        Replica other = leader == first ? second : first;
        int after = leader.rounds().get();
        // the leader evaluates again and again, reads its own record back and holds: the replicas have not loaded B
        await("ten more rounds of the leader", () -> leader.rounds().get() >= after + 10);

        List<ModelControl> written = records();
        assertThat(written).singleElement().satisfies(c -> {
            assertThat(c.decision()).isEqualTo(ModelDecision.CHALLENGE);
            assertThat(c.by()).isEqualTo("policy");
            assertThat(c.pinned()).isEqualTo(CHAMPION);
            assertThat(c.challenger()).isEqualTo(CHALLENGER);
            assertThat(c.mode()).isEqualTo(ChallengerMode.SHADOW);
            assertThat(c.reasons()).hasSize(2);
        });
        assertThat(other.rounds().get()).as("rounds of the replica not elected").isZero();
        assertThat(other.decided(ModelDecision.CHALLENGE)).isZero();

        // the leader goes away; the other is elected, reads the CHALLENGE back and does not write it again
        leader.loop().close();
        await("the other replica elected and evaluating", () -> other.rounds().get() >= 10);
        assertThat(records()).hasSize(1);

        // the replicas load B, and it passes: the new leader promotes it, once
        challengerLoaded.set(true);
        await("the promotion", () -> records().size() == 2);
        int promotedAt = other.rounds().get();
        await("ten more rounds", () -> other.rounds().get() >= promotedAt + 10);
        List<ModelControl> history = records();
        assertThat(history).extracting(ModelControl::decision).containsExactly(ModelDecision.CHALLENGE,
                ModelDecision.PROMOTE);
        assertThat(history.get(1).pinned()).isEqualTo(CHALLENGER);
        assertThat(history.get(1).reasons()).containsExactly("validation accuracy 0.9312 >= champion's 0.9301",
                "last 200 labelled: 0.955 >= champion 0.950", "agreement 0.961 on 412 shadowed requests >= 0.9");
        assertThat(other.decided(ModelDecision.PROMOTE)).isEqualTo(1);
        assertThat(leader.decided(ModelDecision.PROMOTE)).isZero();
    }
}
