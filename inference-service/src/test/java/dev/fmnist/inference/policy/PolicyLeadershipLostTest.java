package dev.fmnist.inference.policy;

import static dev.fmnist.inference.policy.PolicyFixtures.MODEL;
import static dev.fmnist.inference.policy.PolicyFixtures.manifest;
import static dev.fmnist.inference.policy.PolicyFixtures.outcomes;
import static dev.fmnist.inference.policy.PolicyFixtures.stats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.inference.policy.PromotionPolicy.Candidate;
import dev.fmnist.inference.policy.PromotionPolicy.Contender;
import dev.fmnist.inference.policy.PromotionPolicy.Situation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A policy loop that loses its leadership after it decided and before it writes writes nothing: the
 * group's say (here Kafka's MockConsumer, whose rebalances the test makes, at the moments it chooses)
 * reaches the loop through {@link PolicyLeadership#confirm}, right before the write. Elected again, it
 * reads the history afresh and writes the decision, once. The election on the real broker, with two
 * replicas, is PolicyLoopTest's; there a rebalance cannot be placed between deciding and writing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyLeadershipLostTest {

    private static final String PREFIX = "test";
    private static final TopicPartition CONTROL = new TopicPartition(Topic.MODEL_CONTROL.name(PREFIX), 0);
    private static final PolicyThresholds T = new PolicyThresholds(200, 50, 0.9, 200, 1.0, 0.05, 0.8);
    private static final String CHAMPION = "aaaaaaaaaaaa";
    private static final String CHALLENGER = "bbbbbbbbbbbb";
    private static final long WAIT_SECONDS = 30;

    /**
     * Kafka's MockConsumer whose poll waits, as a real consumer's does, until its timeout or until the test
     * hands it what the group says next (a rebalance), which that poll then carries out.
     */
    private static final class Group extends MockConsumer<String, byte[]> {
        private final LinkedBlockingQueue<Runnable> next = new LinkedBlockingQueue<>();

        Group() {
            super("earliest");
            updateBeginningOffsets(Map.of(CONTROL, 0L));
            updateEndOffsets(Map.of(CONTROL, 0L));
        }

        /** At the next poll: this member holds the model-control partition, or holds nothing. */
        void assign(boolean holds) {
            next.add(() -> rebalance(holds ? List.of(CONTROL) : List.of()));
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            Runnable task;
            try {
                task = next.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                task = null;
            }
            if (task != null) {
                schedulePollTask(task);
            }
            return super.poll(timeout);
        }
    }

    private final Group group = new Group();
    private final List<ModelControl> written = new CopyOnWriteArrayList<>();
    private final PolicyMetrics metrics = new PolicyMetrics(new SimpleMeterRegistry());
    private PolicyLoop loop;

    @AfterEach
    void close() {
        if (loop != null) {
            loop.close();
        }
    }

    /** Champion A serving; a newer artefact B not yet tried: the policy's decision is CHALLENGE. */
    private static Situation situation(ControlHistory history) {
        Contender champion = new Contender(CHAMPION, manifest(CHAMPION, 0.9301, 0.929), stats(CHAMPION,
                outcomes(200, 190)));
        return new Situation(MODEL, history.latest(MODEL).orElse(null), champion, null, null,
                new Candidate(CHALLENGER, "exp-b", 0.93), null);
    }

    @Test
    void aLeaderDeposedBetweenDecidingAndWritingDoesNotWrite() throws InterruptedException {
        AtomicInteger rounds = new AtomicInteger();
        CountDownLatch firstRound = new CountDownLatch(1);
        CountDownLatch secondRound = new CountDownLatch(1);
        AtomicInteger writtenBeforeSecondRound = new AtomicInteger(-1);
        CountDownLatch fiveRoundsAfterTheWrite = new CountDownLatch(5);
        loop = new PolicyLoop("deposed", group, PREFIX, Duration.ofMillis(10), T, history -> {
            int round = rounds.incrementAndGet();
            if (round == 1) {
                // the round has begun: it decides now, and the group moves the partition before it writes
                group.assign(false);
                firstRound.countDown();
            } else if (round == 2) {
                writtenBeforeSecondRound.set(written.size());
                secondRound.countDown();
            } else if (!written.isEmpty()) {
                fiveRoundsAfterTheWrite.countDown();
            }
            return List.of(situation(history));
        }, control -> {
            written.add(control);
            return written.size() - 1L;
        }, metrics);

        group.assign(true);
        loop.start();
        assertThat(firstRound.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("the first round").isTrue();

        // elected again: the loop reads the history afresh, decides the same, and this time writes it
        group.assign(true);
        assertThat(secondRound.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("a round after the re-election").isTrue();
        assertThat(writtenBeforeSecondRound.get()).as("records written by the deposed round").isZero();
        assertThat(fiveRoundsAfterTheWrite.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("rounds after the write").isTrue();
        assertThat(written).singleElement().satisfies(c -> {
            assertThat(c.model()).isEqualTo(MODEL);
            assertThat(c.decision()).isEqualTo(ModelDecision.CHALLENGE);
            assertThat(c.challenger()).isEqualTo(CHALLENGER);
        });
        assertThat(metrics.count(MODEL, ModelDecision.CHALLENGE)).isEqualTo(1);
    }
}
