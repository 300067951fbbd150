package dev.fmnist.trainer.coordination;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bean as CDI makes it, before and after its StartupEvent: the Kafka channels start earlier and
 * their consumers already wait on it and ask it. Then leases judged on this trainer's own clock (a
 * fake one here) whatever instants the records carry, and claims that know their own ends.
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExperimentStatesTest {

    @Test
    void waitsAndSaysNotReadyUntilStartedAndCaughtUp() throws Exception {
        ExperimentStates states = made(TestTopics.fresh("states"));
        try {
            assertThat(states.isReady()).isFalse();
            CompletableFuture<Void> ready = CompletableFuture.runAsync(() -> {
                try {
                    states.awaitReady();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300); // a wait that would throw (no view yet) has done so by now
            assertThat(ready).as("waits: nothing is read before the start").isNotDone();

            states.start(null);

            ready.get(30, TimeUnit.SECONDS);
            assertThat(states.isReady()).isTrue();
        } finally {
            states.stop(null);
        }
    }

    @Test
    void stopsWhenItNeverStarted() {
        ExperimentStates states = made(TestTopics.fresh("states"));

        states.stop(null);

        assertThat(states.isReady()).isFalse();
    }

    private static final Instant FAR_FUTURE = Instant.parse("2099-01-01T00:00:00Z");

    /** The lease watch's clock: moved by hand. */
    private final AtomicLong nanos = new AtomicLong();
    private final List<StateTable.Refusal> refused = new CopyOnWriteArrayList<>();

    /** Started on a topic of its own, its leases on {@link #nanos}. */
    private ExperimentStates started() throws InterruptedException {
        return started(TestTopics.fresh("states"), nanos);
    }

    /** Another trainer's view of the topics under {@code prefix}, its leases on {@code clock}. */
    private ExperimentStates started(String prefix, AtomicLong clock) throws InterruptedException {
        ExperimentStates states = made(prefix);
        states.leases = new LeaseWatch(clock::get, ExperimentState.LEASE);
        states.metrics = new TrainerMetrics() {
            @Override
            public void stateRecordRefused(StateTable.Refusal reason) {
                refused.add(reason);
            }
        };
        states.start(null);
        states.awaitReady();
        return states;
    }

    private static ExperimentState queued(String id) {
        return ExperimentState.of(id).next(Queued.of(id, Subject.NONE));
    }

    /** Written by a stranger (another trainer, a forger): straight onto the topic, then read back. */
    private static void writtenByOther(ExperimentStates states, ExperimentState state) {
        states.awaitSeen(states.write(state));
    }

    @Test
    void aClaimIsLiveForALeaseOfThisTrainersOwnClockWhateverItsHeartbeatSays() throws Exception {
        ExperimentStates states = started();
        try {
            // a claim "until 2099" (a forger, or a clock far ahead) by a worker nobody runs
            writtenByOther(states, queued("x").claimedBy("forger", 1, FAR_FUTURE));
            ExperimentState held = states.get("x").orElseThrow();
            assertThat(states.heldLive(held)).isTrue();
            assertThat(states.tryClaim(held, "me")).as("not written over a live lease").isEmpty();
            assertThat(states.get("x").orElseThrow().worker()).isEqualTo("forger");

            nanos.addAndGet(ExperimentState.LEASE.toNanos() - 1);
            assertThat(states.heldLive(held)).isTrue();
            nanos.addAndGet(1);
            assertThat(states.heldLive(held)).as("lapsed after a lease unseen, 2099 or not").isFalse();
            assertThat(states.sinceSeen("x")).isEqualTo(ExperimentState.LEASE);

            Optional<ExperimentState> taken;
            try (Claim claim = states.tryClaim(held, "me").orElseThrow()) {
                taken = states.get("x");
                assertThat(claim.state().attempt()).isEqualTo(2);
            }
            assertThat(taken.orElseThrow().worker()).isEqualTo("me");
            assertThat(states.heldLive(taken.get())).as("our own record restarts the lease").isTrue();

            // a claim whose beats carry an instant from 1970 (a clock far behind) is live while it beats
            writtenByOther(states, queued("y").claimedBy("slow", 1, Instant.EPOCH));
            for (int beat = 0; beat < 6; beat++) { // 30 s of beats, longer than a lease
                nanos.addAndGet(ExperimentState.HEARTBEAT.toNanos());
                writtenByOther(states, states.get("y").orElseThrow().renewedAt(Instant.EPOCH));
            }
            assertThat(states.heldLive(states.get("y").orElseThrow())).isTrue();
            assertThat(states.tryClaim(states.get("y").orElseThrow(), "me")).isEmpty();
            assertThat(refused).isEmpty();
        } finally {
            states.stop(null);
        }
    }

    @Test
    void aClaimEndedByARecordItDidNotWriteKnowsItAndOneTakenOverDoesNot() throws Exception {
        ExperimentStates states = started();
        try {
            Claim forged = states.tryClaim(queued("f"), "me").orElseThrow();
            // its own claim copied with an end: the table takes it, the claim knows it is not its own
            writtenByOther(states, forged.state().next(Failed.of("f", Subject.NONE, "forged")));
            assertThat(forged.confirm()).isFalse();
            assertThat(forged.isLost()).isTrue();
            assertThat(forged.foreignEnd()).get().satisfies(end -> {
                assertThat(end.status().name()).isEqualTo("FAILED");
                assertThat(end.worker()).isEqualTo("me");
            });
            forged.close();

            Claim takenOver = states.tryClaim(queued("t"), "me").orElseThrow();
            writtenByOther(states, takenOver.state().claimedBy("other", 2, FAR_FUTURE));
            assertThat(takenOver.confirm()).isFalse();
            assertThat(takenOver.foreignEnd()).as("a take-over: its new holder ends it").isEmpty();
            takenOver.close();

            // a holder paused past its lease wakes to find the new holder finished: not a forgery, silent
            Claim paused = states.tryClaim(queued("p"), "me").orElseThrow();
            ExperimentState newHolder = paused.state().claimedBy("other", 2, Instant.now());
            writtenByOther(states, newHolder);
            writtenByOther(states, newHolder.next(Failed.of("p", Subject.NONE, "the new holder's own end")));
            assertThat(states.get("p").orElseThrow().isEnded()).isTrue();
            assertThat(paused.confirm()).isFalse();
            assertThat(paused.isLost()).isTrue();
            assertThat(paused.foreignEnd()).as("ended by a higher attempt: its holder's end, said by it").isEmpty();
            paused.close();

            // an end by someone who does not hold it: refused, counted, and the holder keeps it
            Claim mine = states.tryClaim(queued("m"), "me").orElseThrow();
            writtenByOther(states, queued("m").claimedBy("forger", 7, Instant.now()).next(Failed.of("m", Subject.NONE,
                    "forged")));
            assertThat(refused).containsExactly(StateTable.Refusal.FOREIGN_END, StateTable.Refusal.FOREIGN_END);
            assertThat(mine.confirm()).isTrue();
            assertThat(mine.foreignEnd()).isEmpty();
            mine.close();
        } finally {
            states.stop(null);
        }
    }

    @Test
    void aHolderPausedPastItsLastCheckAndTakenOverPublishesNothingOfItsEnd() throws Exception {
        String prefix = TestTopics.fresh("states");
        ExperimentStates mine = started(prefix, nanos);
        ExperimentStates other = started(prefix, new AtomicLong());
        Claim[] taker = new Claim[1];
        try (Claim paused = mine.tryClaim(queued("z"), "me").orElseThrow()) {
            // paused after its last check, before its commit; meanwhile another trainer takes the run over
            // as tryClaim does once the lease lapsed: its fence first, then its claim
            paused.beforeCommit = () -> {
                HolderFence fence = other.openFence("z");
                ExperimentState claim = paused.state().claimedBy("other", 2, Instant.now());
                writtenByOther(other, claim);
                taker[0] = new Claim(other, other.get("z").orElseThrow(), fence);
            };
            assertThat(paused.end(List.of(end("z", "the paused holder's")), e -> eventRecord(prefix, e),
                    List.of(artefactRecord(prefix, "the paused holder's")))).as("its commit fenced off").isFalse();
            assertThat(paused.isLost()).isTrue();
            assertThat(paused.foreignEnd()).as("taken over: its new holder ends it").isEmpty();
            assertThat(paused.publishFenced(List.of(eventRecord(prefix, end("z", "the paused holder's"))))).isFalse();

            try (Claim newHolder = taker[0]) {
                assertThat(newHolder.end(List.of(end("z", "the new holder's")), e -> eventRecord(prefix, e),
                        List.of(artefactRecord(prefix, "the new holder's")))).isTrue();
            }
        } finally {
            other.stop(null);
        }
        try {
            mine.catchUp();
            assertThat(mine.get("z").orElseThrow()).satisfies(state -> {
                assertThat(state.isEnded()).isTrue();
                assertThat(state.worker()).isEqualTo("other");
                assertThat(state.reason()).isEqualTo("the new holder's");
            });
            assertThat(committedEvents(prefix)).containsExactly("z FAILED the new holder's");
            assertThat(committed(Topic.MODELS.name(prefix))).as("one artefact: the new holder's")
                    .containsExactly("the new holder's");
        } finally {
            mine.stop(null);
        }
    }

    @Test
    void aHolderFencedOffByAClaimThatLostTheRaceTakesItsRunOverItselfAndEndsIt() throws Exception {
        String prefix = TestTopics.fresh("states");
        ExperimentStates states = started(prefix, nanos);
        try (Claim held = states.tryClaim(queued("r"), "me").orElseThrow()) {
            // a trainer that opened the fence for its own claim, which then lost the race: no claim written
            states.openFence("r").close();

            assertThat(held.end(List.of(end("r", "ended")), e -> eventRecord(prefix, e), List.of())).isTrue();

            assertThat(held.isLost()).isFalse();
            states.catchUp();
            assertThat(states.get("r").orElseThrow()).satisfies(state -> {
                assertThat(state.isEnded()).isTrue();
                assertThat(state.worker()).isEqualTo("me");
                assertThat(state.attempt()).as("its own take-over, behind a fresh fence").isEqualTo(2);
            });
            assertThat(committedEvents(prefix)).containsExactly("r FAILED ended");
            assertThat(refused).isEmpty();
        } finally {
            states.stop(null);
        }
    }

    private static Failed end(String id, String reason) {
        return Failed.of(id, Subject.NONE, reason);
    }

    private static ProducerRecord<String, byte[]> eventRecord(String prefix, ExperimentEvent event) {
        return new ProducerRecord<>(Topic.EXPERIMENT_EVENTS.name(prefix), event.experimentId(),
                event.toJsonString().getBytes(StandardCharsets.UTF_8));
    }

    /** A stand-in for an artefact: its value names who wrote it. */
    private static ProducerRecord<String, byte[]> artefactRecord(String prefix, String who) {
        return new ProducerRecord<>(Topic.MODELS.name(prefix), "mlp", who.getBytes(StandardCharsets.UTF_8));
    }

    /** The events topic as every reader reads it (committed records only): id, type and reason of each. */
    private static List<String> committedEvents(String prefix) {
        return committed(Topic.EXPERIMENT_EVENTS.name(prefix)).stream().map(json -> {
            ExperimentEvent event = ExperimentEvent.parse(json.getBytes(StandardCharsets.UTF_8));
            return event.experimentId() + " " + event.type() + " " + ((Failed) event).reason();
        }).toList();
    }

    /** The values of {@code topic} as every reader reads them: committed records only. */
    private static List<String> committed(String topic) {
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap()), Map.of()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    read.add(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return read;
    }

    /** Injected and initialised as CDI does it. */
    private static ExperimentStates made(String prefix) {
        ExperimentStates states = new ExperimentStates();
        states.kafkaConfig = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        states.config = new TrainerConfig() {
            @Override
            public KafkaTopics kafka() {
                return () -> prefix;
            }

            @Override
            public Data data() {
                throw new UnsupportedOperationException("not the state's");
            }

            @Override
            public Trainer trainer() {
                // only the clock offset is the state's (a proxy: settings added later need no change here)
                return (Trainer) Proxy.newProxyInstance(Trainer.class.getClassLoader(), new Class<?>[] {Trainer.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("clockOffset")) {
                                return Duration.ZERO;
                            }
                            throw new UnsupportedOperationException("not the state's: " + method.getName());
                        });
            }
        };
        states.open();
        return states;
    }
}
