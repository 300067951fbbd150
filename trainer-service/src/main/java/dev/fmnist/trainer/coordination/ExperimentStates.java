package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.CompactedTopicView;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicAccess;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * This trainer's view of {@code fmnist.experiment-state}, followed from the beginning for as long as
 * the trainer runs ({@link CompactedTopicView}), and its writes to it. Every trainer folds the same
 * records in the same order ({@link StateTable}), so all agree on which experiments ended and who holds
 * the others; a claim is decided by writing it and reading the topic back past it ({@link #tryClaim}).
 * Whether a holder's lease lapsed is this trainer's own judgement, on its own monotonic clock
 * ({@link LeaseWatch}): it writes a take-over only then. A lease says when to take over, not who may
 * publish: each claim's end goes out through a {@link HolderFence} opened before the claim is written.
 */
@ApplicationScoped
public class ExperimentStates {

    private static final Logger LOG = Logger.getLogger(ExperimentStates.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final StateTable table = new StateTable();
    /** Replaced by tests with one on a clock of their own. */
    LeaseWatch leases = new LeaseWatch();

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    TrainerConfig config;

    @Inject
    TrainerMetrics metrics;

    private String topic;
    /** Added to every instant written (fmnist.trainer.clock-offset, for tests of skewed clocks). */
    private Duration clockOffset = Duration.ZERO;
    /**
     * Made with the bean, read from at start-up: the Kafka channels start before the StartupEvent,
     * and their consumers already wait on it ({@link #awaitReady}) and ask it ({@link #isReady}).
     */
    private volatile CompactedTopicView view;
    // the view's polling thread's own: what the start-up line reports
    private long startedNanos;
    private long records;

    @PostConstruct
    void open() {
        topic = Topic.EXPERIMENT_STATE.name(config.kafka().topicPrefix());
        clockOffset = config.trainer().clockOffset();
        view = CompactedTopicView.builder(kafkaConfig, List.of(topic)).name("experiment-states").writable(CATCH_UP)
                .build();
    }

    void start(@Observes StartupEvent start) {
        startedNanos = System.nanoTime(); // before the polling thread starts: it sees the value
        view.start(new CompactedTopicView.RecordHandler() {
            @Override
            public void handle(ConsumerRecord<String, byte[]> record) {
                records++;
                apply(record);
            }

            @Override
            public void caughtUp() { // bench/history-startup.sh reads this line
                LOG.infof("experiment state: %d records read in %d ms, %d experiments known", records,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), table.size());
            }
        });
    }

    /** Safe also when the application stops before it started: the view then has nothing to stop. */
    void stop(@Observes ShutdownEvent stop) {
        view.close();
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        try {
            if (table.apply(record.key(), record.value())) {
                String id = StateTable.experimentIdOf(record.key());
                if (record.value() == null) {
                    leases.forget(id);
                } else {
                    leases.seen(id); // a record of the claim that holds now: its lease starts over, on our clock
                }
            }
        } catch (StateTable.RefusedException e) {
            LOG.warnf("experiment state: refused a record at %s-%d@%d (%s: %s)", record.topic(), record.partition(),
                    record.offset(), e.reason().label(), e.getMessage());
            metrics.stateRecordRefused(e.reason());
        }
    }

    /** Blocks until the history is read; nothing may be claimed before, or a finished run would repeat. */
    public void awaitReady() throws InterruptedException {
        while (!view.awaitCaughtUp(CATCH_UP)) {
            LOG.info("waiting for the experiment state to be read");
        }
    }

    public boolean isReady() {
        return view.isCaughtUp();
    }

    /** Where the experiment stands, as far as this trainer has read. */
    public Optional<ExperimentState> get(String experimentId) {
        return table.get(experimentId);
    }

    /**
     * True when a claim holds the experiment with a lease that is live by this trainer's own clock: a
     * record of it was seen less than {@link ExperimentState#LEASE} ago.
     */
    public boolean heldLive(ExperimentState state) {
        return leases.live(state);
    }

    /** How long this trainer has waited since it last saw a record of the experiment's current claim. */
    public Duration sinceSeen(String experimentId) {
        return leases.sinceSeen(experimentId);
    }

    /** Now, as this trainer writes it (its wall clock, plus the offset a test of skewed clocks sets). */
    public Instant now() {
        return Instant.now().plus(clockOffset);
    }

    /** Writes a state and waits for the broker (all in-sync replicas); returns where it landed. */
    public RecordMetadata write(ExperimentState state) {
        if (state.isEnded()) { // first under the end key, on the id's partition: see StateTable.END_KEY_SUFFIX
            view.write(view.partitionOf(state.experimentId()), StateTable.endKey(state.experimentId()), state.toJson());
        }
        return view.write(state.experimentId(), state.toJson());
    }

    /**
     * The records of {@code end} as {@link #write} writes them, for a holder's end transaction
     * ({@link Claim#end}): under the end key first, then the id, both on the id's partition.
     */
    List<ProducerRecord<String, byte[]>> endRecords(ExperimentState end) {
        if (!end.isEnded()) {
            throw new IllegalArgumentException("not an end: " + end.status());
        }
        int partition = view.partitionOf(end.experimentId());
        byte[] json = end.toJson();
        return List.of(new ProducerRecord<>(topic, partition, StateTable.endKey(end.experimentId()), json),
                new ProducerRecord<>(topic, partition, end.experimentId(), json));
    }

    /**
     * Opens the producer through which a holder of {@code experimentId} publishes its end, fencing
     * every earlier holder's: called before each claim is written ({@link HolderFence}).
     */
    HolderFence openFence(String experimentId) {
        return HolderFence.open(kafkaConfig,
                TopicAccess.holderTransactionalId(config.kafka().topicPrefix(), experimentId));
    }

    /** Blocks until this trainer's view has read past {@code written}. */
    public void awaitSeen(RecordMetadata written) {
        if (!await(() -> view.awaitApplied(written, CATCH_UP))) {
            throw new IllegalStateException("the experiment state did not reach " + topic + "-" + written.partition()
                    + "@" + written.offset() + " within " + CATCH_UP.toSeconds() + " s");
        }
    }

    /**
     * Blocks until this trainer's view has read everything on the topic now: what any trainer wrote
     * before this call is then in {@link #get}. Two trainers that each write and then catch up cannot
     * both miss the other's write.
     */
    public void catchUp() {
        if (!await(() -> view.awaitCurrentEnd(CATCH_UP))) {
            throw new IllegalStateException("the experiment state did not reach the end of " + topic + " within "
                    + CATCH_UP.toSeconds() + " s");
        }
    }

    /** How many partitions one of the project's topics has now. */
    public int partitionCount(Topic of) {
        return view.partitionCount(of.name(config.kafka().topicPrefix()));
    }

    /**
     * Claims {@code experimentId} for {@code worker}: writes the claim on top of {@code basis} (what this
     * trainer knows of it) and reads the topic back past it. Empty when the experiment ended or another
     * trainer's claim came first or still holds: a claim whose lease is live by this trainer's clock is
     * never written over (the table would take a higher attempt whatever the lease).
     */
    public Optional<Claim> tryClaim(ExperimentState basis, String worker) {
        ExperimentState current = get(basis.experimentId()).orElse(basis);
        if (current.isEnded() || leases.live(current)) {
            return Optional.empty();
        }
        if (current.worker() != null) {
            // a take-over: judged on a view read to the topic's end now, not on one that fell behind (this
            // trainer paused, or its reader slow), where a live holder's beats would be unread
            catchUp();
            current = get(basis.experimentId()).orElse(basis);
            if (current.isEnded() || leases.live(current)) {
                return Optional.empty();
            }
        }
        // the fence first: an earlier holder that commits its end after this can no longer, and one that
        // committed before it is ended on the topic before this claim, which the table then refuses
        HolderFence fence = openFence(basis.experimentId());
        try {
            ExperimentState claim = current.claimedBy(worker, current.nextAttempt(), now());
            awaitSeen(write(claim));
            ExperimentState now = get(basis.experimentId()).orElseThrow();
            if (now.sameClaim(claim) && !now.isEnded()) {
                Claim held = new Claim(this, now, fence);
                fence = null;
                return Optional.of(held);
            }
            return Optional.empty();
        } finally {
            if (fence != null) {
                fence.close();
            }
        }
    }

    private interface Wait {
        boolean done() throws InterruptedException;
    }

    private static boolean await(Wait wait) {
        try {
            return wait.done();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the experiment state", e);
        }
    }
}
